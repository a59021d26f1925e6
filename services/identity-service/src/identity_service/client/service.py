"""Machine clients and the OAuth2 client-credentials grant (RFC 6749 §4.4).

A client belongs to one agency and acts for it alone; administrators of that agency (or system
administrators) create it, choose its scopes from the catalogue in settings, rotate its secret and
disable it. The secret (256 random bits) is shown once and stored as a SHA-256 hash; after a
rotation the previous secret keeps working for ``client_secret_grace_seconds`` so the other system
can switch without downtime. Tokens carry ``client_id``, the granted ``scope`` and the client's
``rate_limit``, which every service enforces per client (kit_core.auth). Failed authentications are
audited and count towards the per-address limit, like failed logins.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.agency.repository import AgencyRepository
from identity_service.audit.service import audit as audit_service
from identity_service.crypto import new_token, token_hash
from identity_service.dependencies import Context
from identity_service.jwks.service import jwks as jwks_service
from identity_service.lockout.service import ip_limit
from identity_service.session.dependencies import Principal
from identity_service.user.exceptions import NotAllowed, UnknownAgency
from kit_core import new_id

from .exceptions import ClientNotFound, OAuthError, ServiceClientRefused, UnknownScope
from .repository import ClientRepository
from .schemas import ClientCreate, ClientUpdate, TokenResponse

CLIENT_FAILED = "client authentication failed"
SERVICE_CLIENT_ID = re.compile(r"[a-z][a-z0-9._-]{2,63}")
MIN_SERVICE_SECRET = 32


class ClientService:
    def _may_manage(self, actor: Principal, agency_id: UUID | None) -> None:
        if actor.is_system_admin:
            return
        if agency_id is None or not actor.is_agency_admin or actor.agency_id != agency_id:
            raise NotAllowed("Quản trị đơn vị chỉ quản lý ứng dụng kết nối của chính đơn vị mình.")

    def _known_scopes(self, ctx: Context, scopes: Sequence[str]) -> list[str]:
        unknown = sorted(set(scopes) - set(ctx.settings.client_scopes))
        if unknown:
            raise UnknownScope(
                f"unknown scopes: {', '.join(unknown)}; the catalogue is {', '.join(ctx.settings.client_scopes)}",
                unknown=unknown,
            )
        return sorted(set(scopes))

    async def get(self, session: AsyncSession, client_id: UUID, *, actor: Principal) -> models.ApiClient:
        client = await ClientRepository(session).get(client_id)
        if client is None:
            raise ClientNotFound(f"no client with id {client_id}")
        self._may_manage(actor, client.agency_id)
        return client

    async def listing(
        self, session: AsyncSession, *, actor: Principal, agency_id: UUID | None, limit: int, offset: int
    ) -> Sequence[models.ApiClient]:
        if not actor.is_system_admin:
            if agency_id not in (None, actor.agency_id):
                raise NotAllowed("Quản trị đơn vị chỉ xem ứng dụng kết nối của đơn vị mình.")
            agency_id = actor.agency_id
        return await ClientRepository(session).listing(agency_id=agency_id, limit=limit, offset=offset)

    async def create(
        self, session: AsyncSession, ctx: Context, data: ClientCreate, *, actor: Principal
    ) -> tuple[models.ApiClient, str]:
        self._may_manage(actor, data.agency_id)
        agency = await AgencyRepository(session).get(data.agency_id)
        if agency is None or not agency.active:
            raise UnknownAgency(f"agency {data.agency_id} is not in the directory (or not active)")
        now, secret = ctx.now(), new_token()
        client = models.ApiClient(
            id=new_id(),
            client_id=f"cli_{secrets.token_hex(8)}",
            name=data.name,
            agency_id=agency.id,
            scopes=self._known_scopes(ctx, data.scopes),
            rate_limit_per_minute=data.rate_limit_per_minute or ctx.settings.client_default_rate_limit,
            secret_hash=token_hash(secret),
            active=True,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        await ClientRepository(session).add(client)
        await audit_service.record(
            session,
            ctx,
            "client.created",
            agency_id=agency.id,
            actor_id=actor.user_id,
            client_id=client.client_id,
            scopes=client.scopes,
        )
        return client, secret

    async def update(
        self, session: AsyncSession, ctx: Context, client_id: UUID, data: ClientUpdate, *, actor: Principal
    ) -> models.ApiClient:
        client = await self.get(session, client_id, actor=actor)
        before = list(client.scopes)
        if data.name is not None:
            client.name = data.name
        if data.scopes is not None:
            client.scopes = self._known_scopes(ctx, data.scopes)
        if data.rate_limit_per_minute is not None:
            client.rate_limit_per_minute = data.rate_limit_per_minute
        client.updated_at = ctx.now()
        await session.flush()
        await audit_service.record(
            session,
            ctx,
            "client.updated",
            agency_id=client.agency_id,
            actor_id=actor.user_id,
            client_id=client.client_id,
            scopes_before=before,
            scopes=client.scopes,
            rate_limit_per_minute=client.rate_limit_per_minute,
        )
        return client

    async def rotate(
        self, session: AsyncSession, ctx: Context, client_id: UUID, *, actor: Principal
    ) -> tuple[models.ApiClient, str]:
        client = await self.get(session, client_id, actor=actor)
        now, secret = ctx.now(), new_token()
        client.previous_secret_hash = client.secret_hash
        client.previous_valid_until = now + timedelta(seconds=ctx.settings.client_secret_grace_seconds)
        client.secret_hash = token_hash(secret)
        client.secret_rotated_at = client.updated_at = now
        await session.flush()
        await audit_service.record(
            session,
            ctx,
            "client.secret_rotated",
            agency_id=client.agency_id,
            actor_id=actor.user_id,
            client_id=client.client_id,
            previous_valid_until=client.previous_valid_until,
        )
        return client, secret

    async def set_active(
        self, session: AsyncSession, ctx: Context, client_id: UUID, *, active: bool, actor: Principal
    ) -> models.ApiClient:
        client = await self.get(session, client_id, actor=actor)
        if client.active != active:
            client.active, client.updated_at = active, ctx.now()
            await session.flush()
            await audit_service.record(
                session,
                ctx,
                "client.enabled" if active else "client.disabled",
                agency_id=client.agency_id,
                actor_id=actor.user_id,
                client_id=client.client_id,
            )
        return client

    async def ensure_service_client(
        self,
        session: AsyncSession,
        ctx: Context,
        *,
        client_id: str,
        name: str,
        scopes: Sequence[str],
        secret: str,
        rate_limit_per_minute: int | None = None,
    ) -> tuple[models.ApiClient, bool]:
        """Create or update a service client of this installation (no agency) with the given secret,
        scopes and name; (client, created). Deploy scripts and the embedded host call it at every
        start, so the secret comes from them and is never shown; a changed secret replaces the old one
        at once (no grace period: the one service that uses it restarts with the new one)."""
        if not SERVICE_CLIENT_ID.fullmatch(client_id):
            raise ServiceClientRefused(
                f"{client_id!r}: a service client id is 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter"
            )
        if client_id.startswith("cli_"):
            raise ServiceClientRefused("ids starting with cli_ are those administrators' clients get")
        if len(secret) < MIN_SERVICE_SECRET:
            raise ServiceClientRefused(f"the secret must have at least {MIN_SERVICE_SECRET} characters")
        granted = self._known_scopes(ctx, scopes)
        if not granted:
            raise ServiceClientRefused("give the client at least one scope")
        repo, now, hashed = ClientRepository(session), ctx.now(), token_hash(secret)
        client = await repo.by_client_id(client_id)
        if client is not None and client.agency_id is not None:
            raise ServiceClientRefused(
                f"client {client_id} belongs to agency {client.agency_id}; it is not a service client"
            )
        rate = rate_limit_per_minute or ctx.settings.client_default_rate_limit
        if client is None:
            client = models.ApiClient(
                id=new_id(),
                client_id=client_id,
                name=name,
                agency_id=None,
                scopes=granted,
                rate_limit_per_minute=rate,
                secret_hash=hashed,
                active=True,
                created_by=None,
                created_at=now,
                updated_at=now,
            )
            await repo.add(client)
            await audit_service.record(session, ctx, "client.created", client_id=client_id, scopes=granted)
            return client, True
        rotated = not hmac.compare_digest(client.secret_hash, hashed)
        changed = rotated or (client.name, client.scopes, client.rate_limit_per_minute, client.active) != (
            name,
            granted,
            rate,
            True,
        )
        if not changed:
            return client, False
        before = list(client.scopes)
        client.name, client.scopes, client.rate_limit_per_minute, client.active = name, granted, rate, True
        if rotated:
            client.secret_hash, client.secret_rotated_at = hashed, now
            client.previous_secret_hash = client.previous_valid_until = None
        client.updated_at = now
        await session.flush()
        await audit_service.record(
            session,
            ctx,
            "client.updated",
            client_id=client_id,
            scopes_before=before,
            scopes=granted,
            secret_replaced=rotated,
        )
        return client, False

    def _secret_matches(self, ctx: Context, client: models.ApiClient, secret: str) -> bool:
        given = token_hash(secret)
        if hmac.compare_digest(given, client.secret_hash):
            return True
        return (
            client.previous_secret_hash is not None
            and client.previous_valid_until is not None
            and client.previous_valid_until > ctx.now()
            and hmac.compare_digest(given, client.previous_secret_hash)
        )

    async def token(
        self, session: AsyncSession, ctx: Context, *, client_id: str, secret: str, scope: str | None
    ) -> TokenResponse:
        """The client-credentials grant: authenticate the client, narrow the scopes, sign a token."""
        until = await ip_limit.refused_until(session, ctx)
        if until is not None:
            raise OAuthError(
                "invalid_client",
                "too many failed attempts from this address; try again later",
                status=429,
                retry_after=max(1, int((until - ctx.now()).total_seconds())),
            )
        client = await ClientRepository(session).by_client_id(client_id[:64])
        if client is None or not client.active or not self._secret_matches(ctx, client, secret):
            await ip_limit.record_failure(session, ctx)
            await audit_service.record(
                session,
                ctx,
                "client.auth_failed",
                client_id=client_id[:64],
                reason="unknown" if client is None else ("disabled" if not client.active else "secret"),
            )
            raise OAuthError("invalid_client", CLIENT_FAILED, status=401)
        granted = list(client.scopes)
        if scope is not None:
            asked = scope.split()
            if not asked or set(asked) - set(client.scopes):
                raise OAuthError(
                    "invalid_scope",
                    f"this client may ask only for: {' '.join(client.scopes)}",
                )
            granted = sorted(set(asked))
        agency = await AgencyRepository(session).get(client.agency_id) if client.agency_id else None
        if client.agency_id is not None and (agency is None or not agency.active):
            raise OAuthError("invalid_client", "the client's agency is no longer active", status=401)
        s, now = ctx.settings, ctx.now()
        client.last_used_at = now
        issued = int(now.timestamp())
        access = await jwks_service.sign(
            session,
            ctx,
            {
                "iss": s.jwt_issuer,
                "sub": f"client:{client.client_id}",
                "aud": s.jwt_audience,
                "iat": issued,
                "exp": issued + s.client_token_ttl_seconds,
                "jti": str(new_id()),
                "client_id": client.client_id,
                # A service client of the installation acts for no agency: both claims are null.
                "agency_id": str(agency.id) if agency else None,
                "agency_code": agency.code if agency else None,
                "roles": [],
                "scope": " ".join(granted),
                "rate_limit": client.rate_limit_per_minute,
            },
        )
        return TokenResponse(
            access_token=access, expires_in=s.client_token_ttl_seconds, scope=" ".join(granted)
        )


clients = ClientService()
