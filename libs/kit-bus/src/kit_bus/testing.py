"""Test helpers shipped with the bus, the way httpx ships MockTransport.

``service_under_test`` gives a service a fresh database of either dialect (``DIALECTS``; the
PostgreSQL server is the one ``make test`` starts, at ``EGOV_TEST_PG``), a redelivering
in-process bus, a ``TokenMint`` standing in for identity-service (its verifier goes to the app
factory) and an HTTP client on its running app, which sends no token: ``headers(agency, roles)``
and ``client_for(agency, roles)`` sign requests in. ``publish`` puts events on a bus as if
another service's relay had sent them; ``eventually`` polls until a condition holds;
``routes_open_without_token`` calls every API route with no token and names those not refusing.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from kit_contracts import Event
from kit_core import JwksVerifier, new_id
from kit_core.testing import TokenMint
from kit_db import drop_database, ensure_database, make_engine, upgrade

from .bus import EventBus
from .envelope import Envelope
from .local import LocalBus

PG_BASE = os.environ.get("EGOV_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:55432")
DIALECTS = ("sqlite", "postgres")
# What stays open on every service: operations and the API's own description.
OPEN_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)


def database_url(dialect: str, name: str, folder: Path) -> str:
    if dialect == "sqlite":
        return f"sqlite+aiosqlite:///{folder}/{name}.sqlite3"
    if dialect == "postgres":
        return f"{PG_BASE}/{name}_{new_id().hex[-10:]}"
    raise ValueError(f"unknown dialect {dialect!r}")


@dataclass
class ServiceUnderTest:
    app: FastAPI
    client: httpx.AsyncClient  # sends no token
    bus: LocalBus
    database_url: str
    mint: TokenMint
    _engine: AsyncEngine | None = None
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def headers(
        self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any
    ) -> dict[str, str]:
        """``Authorization`` for a user acting for ``agency_id`` with ``roles`` (``TokenMint.claims``)."""
        return self.mint.headers(agency_id, roles, **claims)

    def client_for(
        self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any
    ) -> httpx.AsyncClient:
        """A client on the same app whose every request carries such a user's token (closed with the app)."""
        client = httpx.AsyncClient(
            transport=self.client._transport,
            base_url=self.client.base_url,
            headers=self.headers(agency_id, roles, **claims),
        )
        self._clients.append(client)
        return client

    async def rows(self, stmt: Executable) -> Sequence[Row[Any]]:
        """Read the service's database directly, outside its API (to count what handlers wrote)."""
        if self._engine is None:
            self._engine = make_engine(url=self.database_url, pool_size=2)
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).all()

    async def scalar(self, stmt: Executable) -> Any:
        return (await self.rows(stmt))[0][0]


@contextlib.asynccontextmanager
async def service_under_test(
    app_factory: Callable[[str, LocalBus, JwksVerifier], FastAPI],
    *,
    migrations: Path,
    dialect: str,
    name: str,
    folder: Path,
    redeliver: bool = True,
    mint: TokenMint | None = None,
) -> AsyncIterator[ServiceUnderTest]:
    """Migrate a fresh database, start the app on it; with ``redeliver`` every event arrives twice.

    ``app_factory(database_url, bus, verifier)`` builds the app; the verifier trusts ``mint``
    (a new ``TokenMint`` unless one is given).
    """
    url = database_url(dialect, name, folder)
    mint = mint or TokenMint()
    bus = LocalBus(redeliver=redeliver)
    await bus.start()
    try:
        async with running_app(
            lambda: app_factory(url, bus, mint.verifier()), database_url=url, migrations=migrations
        ) as (app, client):
            service = ServiceUnderTest(app=app, client=client, bus=bus, database_url=url, mint=mint)
            try:
                yield service
            finally:
                for extra in service._clients:
                    await extra.aclose()
                if service._engine is not None:
                    await service._engine.dispose()
    finally:
        await bus.stop()
        if dialect == "postgres":
            await drop_database(url)


@contextlib.asynccontextmanager
async def running_app(
    app_factory: Callable[[], FastAPI], *, database_url: str, migrations: Path, base_url: str = "http://test"
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    await ensure_database(database_url)
    await asyncio.to_thread(upgrade, database_url, migrations)
    app = app_factory()
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield app, client


async def publish(bus: EventBus, events: Sequence[Event], *, source: str = "test") -> list[Envelope]:
    envelopes = [Envelope.wrap(e, source=source) for e in events]
    await bus.publish(envelopes)
    return envelopes


async def eventually(
    check: Callable[[], Awaitable[Any] | Any], *, within: float = 30.0, interval: float = 0.05
) -> Any:
    """Poll ``check`` until it returns a truthy value; fail with its last result after ``within`` seconds."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s; last result: {last!r}")


async def routes_open_without_token(
    app: FastAPI, client: httpx.AsyncClient, *, open_paths: Iterable[str] = OPEN_PATHS
) -> list[str]:
    """Call every route of ``app`` but ``open_paths`` without a token; list those not answering 401.

    Path parameters get a random UUID: the token is checked before the path is looked at.
    """
    allowed = set(open_paths)
    offenders = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path in allowed:
            continue
        path = route.path_format
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", str(new_id()))
        for method in sorted((route.methods or set()) - {"HEAD"}):
            response = await client.request(method, path)
            if (
                response.status_code != 401
                or "bearer" not in response.headers.get("www-authenticate", "").lower()
            ):
                offenders.append(f"{method} {route.path} -> {response.status_code}")
    return offenders
