"""Writing events: in the caller's transaction, never straight to the broker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kit_contracts import Event

from .envelope import Envelope
from .tables import outbox

_PENDING = "kit_bus.outbox_pending"
WAKER = "kit_bus.outbox_waker"
SOURCE = "kit_bus.source"


async def add(session: AsyncSession, event: Event) -> Envelope:
    """Queue ``event`` for publication; it leaves only if and when the caller's transaction commits."""
    return (await add_many(session, [event]))[0]


async def add_many(session: AsyncSession, events: Sequence[Event]) -> list[Envelope]:
    """Queue several events in one statement (a bulk import, say), in order."""
    source = session.info.get(SOURCE)
    if not isinstance(source, str):
        raise RuntimeError(
            "this session has no event source; build its sessionmaker with kit_bus.open_runtime()"
        )
    envelopes = [Envelope.wrap(event, source=source) for event in events]
    if envelopes:
        await session.execute(
            insert(outbox),
            [
                {
                    "id": e.id,
                    "topic": e.topic,
                    "key": e.key,
                    "type": e.type,
                    "source": e.source,
                    "payload": e.data,
                    "traceparent": e.traceparent,
                    "request_id": e.request_id,
                    "created_at": e.time,
                }
                for e in envelopes
            ],
        )
        session.info[_PENDING] = True
    return envelopes


async def backlog(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    return int((await session.execute(stmt)).scalar_one())


def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        waker: Any = session.info.get(WAKER)
        if waker is not None:
            waker()


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install_commit_hook() -> None:
    """Wake the in-process relay right after a commit that wrote events (idempotent)."""
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


def now() -> datetime:
    return datetime.now(UTC)
