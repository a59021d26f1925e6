"""The bus suite runs twice: on SQLite with the in-process bus, and on PostgreSQL with Kafka.

The second needs the PostgreSQL server and Kafka broker that ``make test`` starts
(``EGOV_TEST_PG`` and ``EGOV_TEST_KAFKA`` point at them); if they are not there the tests fail,
they do not skip. Every test gets its own databases, topic suffix and consumer groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).parent))  # test modules import this harness as `conftest`

from kit_bus import Envelope, LocalBus, RetryPolicy, Runtime, dead_letter, inbox, open_runtime
from kit_bus.probe import MIGRATIONS, PROBE_TOPIC, ProbeEmitted, applied
from kit_core import new_id
from kit_db import drop_database, ensure_database, upgrade

PG = os.environ.get("EGOV_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:55432")
KAFKA = os.environ.get("EGOV_TEST_KAFKA", "127.0.0.1:19092")


@dataclass
class Backend:
    name: str
    producer_url: str
    consumer_url: str
    kafka: bool
    suffix: str
    local_bus: LocalBus | None
    behaviour: dict[str, Any] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def producer(self) -> AsyncIterator[Runtime]:
        async with open_runtime(
            service="probe-producer",
            database_url=self.producer_url,
            bus=self.local_bus,
            bus_kind="kafka" if self.kafka else "local",
            kafka_bootstrap=KAFKA,
            topic_suffix=self.suffix,
            relay_poll_seconds=0.2,
            relay_batch=1000,
            extra_topics=[PROBE_TOPIC],
        ) as runtime:
            yield runtime

    @contextlib.asynccontextmanager
    async def consumer(
        self,
        handler: Callable[..., Any] | None = None,
        *,
        group: str = "probe-consumer",
        retry: RetryPolicy | None = None,
    ) -> AsyncIterator[Runtime]:
        async with open_runtime(
            service=group,
            database_url=self.consumer_url,
            bus=self.local_bus,
            bus_kind="kafka" if self.kafka else "local",
            kafka_bootstrap=KAFKA,
            topic_suffix=self.suffix,
            handlers={ProbeEmitted: handler or record_probe},
            group=group + self.suffix,
            relay_poll_seconds=0.2,
            retry=retry or RetryPolicy(attempts=3, base_seconds=0.01, cap_seconds=0.05),
            extra_topics=[PROBE_TOPIC],
        ) as runtime:
            yield runtime

    async def applied_counts(self) -> tuple[int, int]:
        return await _scalar_pair(
            self.consumer_url, select(func.count(), func.count(func.distinct(applied.c.event_id)))
        )

    async def inbox_count(self) -> int:
        return (await _scalar_pair(self.consumer_url, select(func.count(), func.count()).select_from(inbox)))[
            0
        ]

    async def dead_letters(self) -> list[dict[str, Any]]:
        from kit_db import make_engine, make_sessionmaker

        engine = make_engine(url=self.consumer_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return [dict(r) for r in (await session.execute(select(dead_letter))).mappings()]
        finally:
            await engine.dispose()


async def _scalar_pair(url: str, stmt: Any) -> tuple[int, int]:
    from kit_db import make_engine

    engine = make_engine(url=url)
    try:
        async with engine.connect() as conn:
            a, b = (await conn.execute(stmt)).one()
            return int(a), int(b)
    finally:
        await engine.dispose()


async def record_probe(session: Any, event: ProbeEmitted, envelope: Envelope) -> None:
    await session.execute(
        insert(applied).values(event_id=envelope.id, probe_id=event.probe_id, note=event.note)
    )


async def emit(runtime: Runtime, count: int, *, note: str = "", per_transaction: int = 500) -> None:
    from kit_bus import outbox

    done = 0
    while done < count:
        n = min(per_transaction, count - done)
        async with runtime.sessionmaker() as session, session.begin():
            for _ in range(n):
                await outbox.add(session, ProbeEmitted(probe_id=new_id(), note=note))
        done += n


@pytest.fixture(params=["sqlite-local", "postgres-kafka"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    tag = new_id().hex[-10:]
    if request.param == "sqlite-local":
        bus = LocalBus()
        await bus.start()
        b = Backend(
            request.param,
            f"sqlite+aiosqlite:///{tmp_path}/producer.sqlite3",
            f"sqlite+aiosqlite:///{tmp_path}/consumer.sqlite3",
            False,
            "",
            bus,
        )
    else:
        b = Backend(request.param, f"{PG}/bus_{tag}_p", f"{PG}/bus_{tag}_c", True, f".t{tag}", None)
    for url in (b.producer_url, b.consumer_url):
        await ensure_database(url)
        await asyncio.to_thread(upgrade, url, MIGRATIONS)
    try:
        yield b
    finally:
        if b.kafka:
            for url in (b.producer_url, b.consumer_url):
                await drop_database(url)
