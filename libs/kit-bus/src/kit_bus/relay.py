"""The outbox relay: publishes committed events and stamps them only after the bus acknowledged.

A crash between the acknowledgement and the stamp publishes those events again on restart:
duplicates, never loss; consumers dedupe by event id. On PostgreSQL the batch is claimed with
``FOR UPDATE SKIP LOCKED`` so several relays can share an outbox; there a NOTIFY trigger wakes the
relay at once, and a poll covers anything the notification missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import timedelta

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kit_core import get_logger
from kit_db import listen

from .bus import EventBus
from .envelope import Envelope
from .outbox import now
from .tables import NOTIFY_CHANNEL, outbox

log = get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus,
        batch: int = 500,
        poll_seconds: float = 1.0,
        keep_published: timedelta = timedelta(days=7),
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.keep_published = keep_published
        self.wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.published_total = 0
        self._postgres = engine.dialect.name == "postgresql"

    def nudge(self) -> None:
        self.wake.set()

    def stop(self) -> None:
        """Finish the batch in hand, then return from ``run`` (no query is abandoned half-way)."""
        self._stopping.set()
        self.wake.set()

    async def _claim(self, session: AsyncSession) -> list[RowMapping]:
        stmt = select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.seq).limit(self.batch)
        if self._postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        return list((await session.execute(stmt)).mappings().all())

    @staticmethod
    def _envelopes(rows: list[RowMapping]) -> list[Envelope]:
        return [
            Envelope(
                id=r["id"],
                source=r["source"],
                type=r["type"],
                subject=r["key"],
                time=r["created_at"],
                traceparent=r["traceparent"],
                request_id=r["request_id"],
                topic=r["topic"],
                data=r["payload"],
            )
            for r in rows
        ]

    @staticmethod
    async def _stamp(session: AsyncSession, rows: list[RowMapping]) -> None:
        await session.execute(
            update(outbox).where(outbox.c.seq.in_([r["seq"] for r in rows])).values(published_at=now())
        )

    async def publish_once(self) -> int:
        """Publish one batch; returns how many events left."""
        async with self.sessionmaker() as session:
            if self._postgres:
                async with session.begin():
                    rows = await self._claim(session)
                    if rows:
                        await self.bus.publish(self._envelopes(rows))
                        await self._stamp(session, rows)
            else:
                # SQLite: do not hold the write lock while in-process consumers (which may share this
                # file) apply the batch; a crash before the stamp only causes a redelivery.
                async with session.begin():
                    rows = await self._claim(session)
                if rows:
                    await self.bus.publish(self._envelopes(rows))
                    async with session.begin():
                        await self._stamp(session, rows)
        self.published_total += len(rows)
        return len(rows)

    async def prune(self) -> int:
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                delete(outbox).where(
                    outbox.c.published_at.is_not(None), outbox.c.published_at < now() - self.keep_published
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def run(self) -> None:
        failures = 0
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            listening = False
            while not self._stopping.is_set():
                try:
                    if self._postgres and not listening:
                        listening = await stack.enter_async_context(
                            listen(self.engine, NOTIFY_CHANNEL, self.wake)
                        )
                    self.wake.clear()
                    sent = await self.publish_once()
                    failures = 0
                    if loop.time() - last_prune > 3600:
                        last_prune = loop.time()
                        await self.prune()
                    if sent >= self.batch and not self._stopping.is_set():
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker or database down: back off, keep the rows, try again
                    failures += 1
                    delay = min(30.0, 0.2 * 2 ** min(failures, 8)) * random.uniform(0.5, 1.0)  # noqa: S311
                    log.warning(
                        "outbox.relay_failed", error=f"{type(exc).__name__}: {exc}", retry_in=round(delay, 2)
                    )
                    if listening:  # the LISTEN connection may be the broken part; reopen it
                        await stack.aclose()
                        listening = False
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), timeout=delay)
                    continue
                if self._stopping.is_set():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)
