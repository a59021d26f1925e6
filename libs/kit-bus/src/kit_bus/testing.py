"""Test helpers shipped with the bus, the way httpx ships MockTransport.

``service_under_test`` gives a service a fresh database of either dialect (``DIALECTS``; the
PostgreSQL server is the one ``make test`` starts, at ``EGOV_TEST_PG``), a redelivering
in-process bus and an HTTP client on its running app; ``publish`` puts events on a bus as if
another service's relay had sent them; ``eventually`` polls until a condition holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from kit_contracts import Event
from kit_core import new_id
from kit_db import drop_database, ensure_database, make_engine, upgrade

from .bus import EventBus
from .envelope import Envelope
from .local import LocalBus

PG_BASE = os.environ.get("EGOV_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:55432")
DIALECTS = ("sqlite", "postgres")


def database_url(dialect: str, name: str, folder: Path) -> str:
    if dialect == "sqlite":
        return f"sqlite+aiosqlite:///{folder}/{name}.sqlite3"
    if dialect == "postgres":
        return f"{PG_BASE}/{name}_{new_id().hex[-10:]}"
    raise ValueError(f"unknown dialect {dialect!r}")


@dataclass
class ServiceUnderTest:
    app: FastAPI
    client: httpx.AsyncClient
    bus: LocalBus
    database_url: str
    _engine: AsyncEngine | None = None

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
    app_factory: Callable[[str, LocalBus], FastAPI],
    *,
    migrations: Path,
    dialect: str,
    name: str,
    folder: Path,
    redeliver: bool = True,
) -> AsyncIterator[ServiceUnderTest]:
    """Migrate a fresh database, start the app on it; with ``redeliver`` every event arrives twice."""
    url = database_url(dialect, name, folder)
    bus = LocalBus(redeliver=redeliver)
    await bus.start()
    try:
        async with running_app(lambda: app_factory(url, bus), database_url=url, migrations=migrations) as (
            app,
            client,
        ):
            service = ServiceUnderTest(app=app, client=client, bus=bus, database_url=url)
            try:
                yield service
            finally:
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
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
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
