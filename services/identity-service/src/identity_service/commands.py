"""Commands added to ``python -m identity_service`` (beside migrate, serve, worker, dlq):

- ``keys list|rotate|prune``: the token-signing keys; ``rotate`` makes a new current key (the old
  one stays published until the tokens it signed have expired), ``prune`` deletes keys past that;
- ``audit verify``: walk the authentication audit chain and report the first broken link;
- ``clients ensure CLIENT_ID --scope S --secret-env VAR``: a service client of this installation (no
  agency; egov-gateway's), created or updated with the secret the deploy script keeps;
- ``users create-admin``: the first system administrator (password from IDENTITY_ADMIN_PASSWORD or
  a prompt); a TOTP app is set up at the first login.

Events they cause (audit entries) wait in the outbox for the service's relay.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_bus import outbox
from kit_core import AppError
from kit_db import make_engine, make_sessionmaker

from .agency.repository import AgencyRepository
from .audit.service import audit as audit_service
from .client.service import clients as client_service
from .config import Settings
from .dependencies import Context
from .jwks.repository import SigningKeyRepository
from .jwks.service import jwks as jwks_service
from .models import Role
from .user.exceptions import UnknownAgency
from .user.load import generate_load_users
from .user.schemas import UserCreate
from .user.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET
from .user.service import user as user_service


@contextlib.asynccontextmanager
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(url=settings.database_url.get_secret_value(), pool_size=1)
    try:
        yield make_sessionmaker(engine, **{outbox.SOURCE: settings.service_name})
    finally:
        await engine.dispose()


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")


async def keys(settings: Settings, argv: list[str]) -> int:
    """token-signing keys: list, rotate, prune"""
    parser = argparse.ArgumentParser(prog="identity_service keys")
    parser.add_argument("action", choices=["list", "rotate", "prune"])
    args = parser.parse_args(argv)
    ctx = Context.offline(settings)
    async with sessions(settings) as maker, maker() as session, session.begin():
        if args.action == "rotate":
            key = await jwks_service.rotate(session, ctx)
            _print(
                f"new signing key {key.kid} ({key.algorithm}); older keys stay published until their tokens expire"
            )
        elif args.action == "prune":
            pruned = await jwks_service.prune(session, ctx)
            _print(f"pruned {len(pruned)} key(s): {' '.join(pruned) or '-'}")
        published = {k.kid for k in await jwks_service.published(session, ctx)}
        for key in await SigningKeyRepository(session).all():
            _print(
                json.dumps(
                    {
                        "kid": key.kid,
                        "algorithm": key.algorithm,
                        "created_at": key.created_at.astimezone(UTC).isoformat(),
                        "retired_at": key.retired_at.astimezone(UTC).isoformat() if key.retired_at else None,
                        "published": key.kid in published,
                    }
                )
            )
    return 0


async def audit(settings: Settings, argv: list[str]) -> int:
    """the authentication audit log: verify the hash chain"""
    parser = argparse.ArgumentParser(prog="identity_service audit")
    parser.add_argument("action", choices=["verify"])
    parser.parse_args(argv)
    async with sessions(settings) as maker, maker() as session, session.begin():
        report = await audit_service.verify(session)
    if report.intact:
        _print(f"audit chain intact: {report.entries} entries, head {report.head_hash}")
        return 0
    where = f"entry {report.broken_at}" if report.broken_at is not None else "the end of the log"
    _print(f"audit chain BROKEN at {where}: {report.reason} ({report.entries} entries read)")
    return 1


async def users(settings: Settings, argv: list[str]) -> int:
    """users: create-admin (the first system administrator), generate (load-test users)"""
    parser = argparse.ArgumentParser(prog="identity_service users")
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create-admin")
    create.add_argument("--username", required=True)
    create.add_argument("--full-name", required=True)
    create.add_argument("--agency-code", required=True, help="e.g. 000.00.01.H42 (must have replicated)")
    create.add_argument("--email")
    load = sub.add_parser("generate", help="the load-test tenant's users (never in production)")
    load.add_argument("--total", type=int, default=6700, help="how many users over all units (default 6700)")
    args = parser.parse_args(argv)
    if args.action == "generate":
        async with sessions(settings) as maker:
            try:
                created, planned = await generate_load_users(maker, settings, total=args.total)
            except (RuntimeError, ValueError) as exc:
                _print(f"not generated: {exc}")
                return 1
        _print(
            f"{created} users created ({planned} planned); password {DEMO_PASSWORD!r}, "
            f"TOTP secret {DEMO_TOTP_SECRET}"
        )
        return 0
    password = os.environ.get("IDENTITY_ADMIN_PASSWORD") or getpass.getpass("Mật khẩu: ")
    ctx = Context.offline(settings)
    try:
        async with sessions(settings) as maker, maker() as session, session.begin():
            agency = (await AgencyRepository(session).by_codes([args.agency_code])).get(args.agency_code)
            if agency is None:
                raise UnknownAgency(
                    f"no agency {args.agency_code} in the replica yet (is the directory flowing?)"
                )
            data = UserCreate(
                username=args.username,
                full_name=args.full_name,
                agency_id=agency.id,
                roles=[Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN],
                email=args.email,
                password=password,
            )
            user = await user_service.create(session, ctx, data, actor=None)
    except (AppError, ValidationError) as exc:
        _print(f"not created: {exc}")
        return 1
    _print(f"created system administrator {user.username} ({user.id}); set up TOTP at the first login")
    return 0


async def clients(settings: Settings, argv: list[str]) -> int:
    """machine clients: ensure (a service client of this installation, secret from the environment)"""
    parser = argparse.ArgumentParser(prog="identity_service clients")
    sub = parser.add_subparsers(dest="action", required=True)
    ensure = sub.add_parser("ensure", help="create or update a service client (no agency); idempotent")
    ensure.add_argument("client_id", help="e.g. egov-gateway")
    ensure.add_argument("--scope", action="append", required=True, help="repeat for several scopes")
    ensure.add_argument("--name", help="shown to administrators (default: the client id)")
    ensure.add_argument(
        "--secret-env", required=True, help="the environment variable holding the secret (32+ characters)"
    )
    ensure.add_argument("--rate-limit", type=int, help="requests a minute (default from settings)")
    args = parser.parse_args(argv)
    secret = os.environ.get(args.secret_env, "")
    if not secret:
        _print(f"not ensured: the environment variable {args.secret_env} is empty or unset")
        return 1
    ctx = Context.offline(settings)
    try:
        async with sessions(settings) as maker, maker() as session, session.begin():
            client, created = await client_service.ensure_service_client(
                session,
                ctx,
                client_id=args.client_id,
                name=args.name or args.client_id,
                scopes=args.scope,
                secret=secret,
                rate_limit_per_minute=args.rate_limit,
            )
    except AppError as exc:
        _print(f"not ensured: {exc}")
        return 1
    _print(
        f"service client {client.client_id} {'created' if created else 'up to date'}: "
        f"scopes {' '.join(client.scopes)}, {client.rate_limit_per_minute} requests a minute"
    )
    return 0


COMMANDS: dict[str, Callable[[Settings, list[str]], Coroutine[Any, Any, int]]] = {
    "clients": clients,
    "keys": keys,
    "audit": audit,
    "users": users,
}
