"""Test helpers shipped with the bus, the way httpx ships MockTransport.

``running_app`` migrates a fresh database, enters the app's lifespan and yields an HTTP client on
it; ``publish`` puts events on a bus as if another service's relay had sent them.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from kit_contracts import Event
from kit_db import ensure_database, upgrade

from .bus import EventBus
from .envelope import Envelope


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
