"""Applying events: each exactly once in effect, through redeliveries, crashes and poison messages.

For every record the consumer claims ``(group, event id)`` in ``inbox`` and runs the handler in the
same transaction; a record already claimed is skipped. Records arrive in batches per partition and
are applied in one transaction; if that fails, they are applied one by one so a single bad event
cannot hold back the rest. Failures are sorted three ways:

- infrastructure (database or network unreachable): retried with backoff for as long as it takes,
  since nothing else could succeed either;
- permanent (malformed envelope, data not matching the contract, ``PermanentError`` from a
  handler): sent to the dead letters at once;
- anything else: retried ``RetryPolicy.attempts`` times with exponential backoff and jitter, then
  dead-lettered with the last error as the reason.

Dead letters are kept in the consumer's database (``dead_letter``, for ``list``/``replay``) and
copied to ``<topic>.dlq`` with the reason and the original topic, partition and offset in headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_contracts import BY_TYPE, Event, topics
from kit_core import current_request_id_var, current_traceparent_var, get_logger, new_id, trace_id_of
from kit_core.tracing import child_of
from kit_db import insert_ignore_returning

from .bus import EventBus
from .envelope import Envelope, MalformedEnvelope, Record
from .tables import dead_letter, inbox

log = get_logger(__name__)
Handler = Callable[[AsyncSession, Any, Envelope], Awaitable[None]]


class Batched:
    """Marks a handler that applies many events of one type at once (bulk inserts, counters).

    It receives consecutive runs of its type from a batch, so events of other types in between
    still apply in order. It must not rely on seeing every event alone: a failed batch is retried
    one event at a time.
    """

    def __init__(self, apply: Callable[[AsyncSession, list[tuple[Any, Envelope]]], Awaitable[None]]) -> None:
        self.apply = apply

    async def __call__(self, session: AsyncSession, event: Any, envelope: Envelope) -> None:
        await self.apply(session, [(event, envelope)])


DEAD_LETTER_NS = uuid.UUID("6f1c1f43-8a39-4e44-9a8e-7d4a8c1a0b0d")


@contextlib.contextmanager
def context_of(envelope: Envelope) -> Iterator[None]:
    """Continue the event's trace and request id while it is handled: in log lines, and in any
    event the handler writes to its own outbox."""
    trace = current_traceparent_var.set(child_of(envelope.traceparent))
    request = current_request_id_var.set(envelope.request_id)
    try:
        with structlog.contextvars.bound_contextvars(
            event_id=str(envelope.id),
            event_type=envelope.type,
            trace_id=trace_id_of(envelope.traceparent),
            request_id=envelope.request_id,
        ):
            yield
    finally:
        current_traceparent_var.reset(trace)
        current_request_id_var.reset(request)


class PermanentError(Exception):
    """Raised by a handler for an event that can never be applied as it is."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_seconds: float = 0.1
    cap_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        # "Full jitter": spreads retries of many consumers instead of synchronising them.
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)))  # noqa: S311


def is_infrastructure(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | OSError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass
class Outcome:
    applied: int = 0
    duplicates: int = 0
    dead: int = 0


class _Failed(Exception):
    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Consumer:
    def __init__(
        self,
        *,
        group: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus,
        handlers: Mapping[type[Event], Handler],
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.group = group
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.handlers = {event.event_type: (event, handler) for event, handler in handlers.items()}
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.totals = Outcome()

    @property
    def topics(self) -> list[str]:
        return sorted({event.topic for event, _ in self.handlers.values()})

    def attach(self) -> None:
        self.bus.subscribe(self.group, self.topics, self.handle)

    # -- the sink the bus calls --------------------------------------------------------------
    async def handle(self, records: Sequence[Record]) -> None:
        parsed: list[tuple[Record, Envelope]] = []
        for record in records:
            try:
                parsed.append(
                    (
                        record,
                        Envelope.parse(
                            topic=record.topic,
                            headers=record.headers,
                            value=record.value,
                            partition=record.partition,
                            offset=record.offset,
                        ),
                    )
                )
            except MalformedEnvelope as exc:
                await self._dead_letter(record, reason=f"malformed envelope: {exc}", attempts=1)
        if len(parsed) > 1:
            try:
                async with self.sessionmaker() as session, session.begin():
                    outcome = await self._apply(session, [envelope for _, envelope in parsed])
                self._count(outcome)
                return
            except Exception as exc:
                log.info("consumer.batch_fallback", group=self.group, size=len(parsed), error=repr(exc)[:200])
        for record, envelope in parsed:
            await self._deliver_one(envelope, record)

    # -- applying ----------------------------------------------------------------------------
    def _event_of(self, envelope: Envelope) -> tuple[Event, Handler] | None:
        entry = self.handlers.get(envelope.type)
        if entry is None:
            if envelope.type not in BY_TYPE:
                log.warning("consumer.unknown_type_skipped", group=self.group, type=envelope.type)
            return None
        model, handler = entry
        try:
            return model.model_validate(envelope.data), handler
        except ValidationError as exc:
            raise _Failed(f"data does not match {envelope.type}: {exc.errors()[:3]}", permanent=True) from exc

    def _count(self, outcome: Outcome) -> None:
        self.totals.applied += outcome.applied
        self.totals.duplicates += outcome.duplicates

    async def _apply(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> Outcome:
        outcome = Outcome()
        now = datetime.now(UTC)
        rows = [
            {
                "consumer": self.group,
                "event_id": e.id,
                "topic": e.topic,
                "partition": e.partition,
                "offset": e.offset,
                "processed_at": now,
            }
            for e in envelopes
        ]
        fresh = set(await insert_ignore_returning(session, inbox, rows, inbox.c.event_id))
        run: list[tuple[Event, Envelope]] = []
        run_handler: Batched | None = None
        for envelope in envelopes:
            if envelope.id not in fresh:
                outcome.duplicates += 1
                continue
            fresh.discard(envelope.id)
            outcome.applied += 1
            parsed = self._event_of(envelope)
            if parsed is None:
                continue
            event, handler = parsed
            if isinstance(handler, Batched):
                if run_handler is not handler:
                    await self._flush(session, run_handler, run)
                    run_handler = handler
                run.append((event, envelope))
                continue
            await self._flush(session, run_handler, run)
            run_handler = None
            with context_of(envelope):
                await handler(session, event, envelope)
        await self._flush(session, run_handler, run)
        return outcome

    @staticmethod
    async def _flush(
        session: AsyncSession, handler: Batched | None, run: list[tuple[Event, Envelope]]
    ) -> None:
        """Apply a run of consecutive events of one batch-handled type (order across types is kept)."""
        if handler is not None and run:
            await handler.apply(session, list(run))
        run.clear()

    async def _try_once(self, envelope: Envelope, *, mark_dead_letter: uuid.UUID | None = None) -> None:
        try:
            async with self.sessionmaker() as session, session.begin():
                outcome = await self._apply(session, [envelope])
                if mark_dead_letter is not None:
                    await session.execute(
                        update(dead_letter)
                        .where(dead_letter.c.id == mark_dead_letter)
                        .values(replayed_at=datetime.now(UTC))
                    )
            self._count(outcome)
        except _Failed:
            raise
        except PermanentError as exc:
            raise _Failed(f"rejected by handler: {exc}", permanent=True) from exc
        except Exception as exc:
            if is_infrastructure(exc):
                raise
            raise _Failed(f"{type(exc).__name__}: {exc}", permanent=False) from exc

    async def _deliver_one(self, envelope: Envelope, record: Record) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._try_once(envelope)
                return
            except _Failed as failure:
                if failure.permanent or attempt >= self.retry.attempts:
                    await self._dead_letter(
                        record, reason=failure.reason, attempts=attempt, event_id=str(envelope.id)
                    )
                    return
                log.warning(
                    "consumer.retrying",
                    group=self.group,
                    event_id=str(envelope.id),
                    attempt=attempt,
                    error=failure.reason[:300],
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # infrastructure: wait it out
                log.warning(
                    "consumer.infrastructure_retry", group=self.group, attempt=attempt, error=repr(exc)[:300]
                )
            await self.sleep(self.retry.delay(min(attempt, 12)))

    # -- dead letters ------------------------------------------------------------------------
    async def _dead_letter(
        self, record: Record, *, reason: str, attempts: int, event_id: str | None = None
    ) -> None:
        failed_at = datetime.now(UTC)
        log.error(
            "consumer.dead_lettered",
            group=self.group,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            event_id=event_id,
            reason=reason[:500],
        )
        headers = {
            **record.headers,
            "x-orig-topic": record.topic,
            "x-orig-partition": str(record.partition),
            "x-orig-offset": str(record.offset),
            "x-consumer-group": self.group,
            "x-exception": reason[:2000],
            "x-attempts": str(attempts),
            "x-failed-at": failed_at.isoformat(),
        }
        # The same failure seen again (a redelivery) must not make a second letter, while two
        # different messages must never share one: the in-process bus restarts its offsets with the
        # process, so the message itself (its event id, or its bytes) is part of the identity.
        identity = event_id or hashlib.sha256(record.value).hexdigest()
        letter_id = uuid.uuid5(
            DEAD_LETTER_NS, f"{self.group}/{record.topic}/{record.partition}/{record.offset}/{identity}"
        )
        row = {
            "id": letter_id,
            "consumer": self.group,
            "event_id": event_id,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key,
            "headers": record.headers,
            "value": record.value,
            "reason": reason,
            "attempts": attempts,
            "failed_at": failed_at,
        }
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.bus.publish_raw(topics.dlq(record.topic), record.key, headers, record.value)
                async with self.sessionmaker() as session, session.begin():
                    await insert_ignore_returning(session, dead_letter, [row], dead_letter.c.id)
                self.totals.dead += 1
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer.dead_letter_retry", group=self.group, attempt=attempt, error=repr(exc)[:300]
                )
                await self.sleep(self.retry.delay(min(attempt, 12)))

    async def dead_letters(self, *, include_replayed: bool = False) -> list[dict[str, Any]]:
        stmt = (
            select(dead_letter).where(dead_letter.c.consumer == self.group).order_by(dead_letter.c.failed_at)
        )
        if not include_replayed:
            stmt = stmt.where(dead_letter.c.replayed_at.is_(None))
        async with self.sessionmaker() as session:
            return [dict(r) for r in (await session.execute(stmt)).mappings()]

    async def dead_letter_count(self) -> int:
        stmt = (
            select(func.count())
            .select_from(dead_letter)
            .where(dead_letter.c.consumer == self.group, dead_letter.c.replayed_at.is_(None))
        )
        async with self.sessionmaker() as session:
            return int((await session.execute(stmt)).scalar_one())

    async def replay(self, ids: Sequence[uuid.UUID] | None = None) -> list[tuple[uuid.UUID, str]]:
        """Apply dead letters again with the current handlers; returns (id, "replayed" | reason)."""
        results: list[tuple[uuid.UUID, str]] = []
        for letter in await self.dead_letters():
            if ids is not None and letter["id"] not in ids:
                continue
            try:
                envelope = Envelope.parse(
                    topic=letter["topic"],
                    headers=letter["headers"],
                    value=letter["value"],
                    partition=letter["partition"],
                    offset=letter["offset"],
                )
                await self._try_once(envelope, mark_dead_letter=letter["id"])
                results.append((letter["id"], "replayed"))
            except (_Failed, MalformedEnvelope) as exc:
                reason = getattr(exc, "reason", str(exc))
                async with self.sessionmaker() as session, session.begin():
                    await session.execute(
                        update(dead_letter)
                        .where(dead_letter.c.id == letter["id"])
                        .values(
                            reason=reason, attempts=dead_letter.c.attempts + 1, failed_at=datetime.now(UTC)
                        )
                    )
                results.append((letter["id"], reason))
        return results


def new_group_suffix() -> str:
    return new_id().hex[-8:]
