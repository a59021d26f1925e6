"""PostgreSQL LISTEN, for waking a relay the moment another process commits work for it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.asynccontextmanager
async def listen(engine: AsyncEngine, channel: str, wake: asyncio.Event) -> AsyncIterator[bool]:
    """Set ``wake`` on every NOTIFY on ``channel``; yields False (and does nothing) on SQLite."""
    if engine.dialect.name != "postgresql":
        yield False
        return

    def _on_notify(*_args: Any) -> None:
        wake.set()

    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        if driver is None:
            raise RuntimeError("no driver connection to LISTEN on")
        await driver.add_listener(channel, _on_notify)
        try:
            yield True
        finally:
            with contextlib.suppress(Exception):
                await driver.remove_listener(channel, _on_notify)
