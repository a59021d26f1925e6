"""10,000 directory events from routing-service reach identity-service exactly once in effect, while
the Kafka broker is SIGKILLed and restarted, and again while the consuming process is SIGKILLed.

Both services run as their own processes (`python -m <service> worker`) on PostgreSQL and Kafka;
the test writes agencies through routing's own service code, so every event leaves through its
outbox. identity keeps one `agency_change` row per event it applied, with no unique key on the
event id: a duplicate would show up as an extra row.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from identity_service import MIGRATIONS as IDENTITY_MIGRATIONS
from identity_service import models as identity_models
from kit_bus import inbox, outbox_table
from kit_bus.outbox import SOURCE
from kit_contracts import Tier
from kit_core import new_id
from kit_db import drop_database, ensure_database, make_engine, make_sessionmaker, upgrade
from routing_service import MIGRATIONS as ROUTING_MIGRATIONS
from routing_service.org.schemas import OrgCreate
from routing_service.org.service import org as org_service
from tests.support import KAFKA, PG, ServiceProcess, kafka

pytestmark = [pytest.mark.chaos, pytest.mark.kafka, pytest.mark.postgres]
TOTAL = 10_000


class Deployment:
    def __init__(self, tmp_path, processes: list[ServiceProcess]) -> None:
        tag = new_id().hex[-10:]
        self.routing_url = f"{PG}/chaos_{tag}_routing"
        self.identity_url = f"{PG}/chaos_{tag}_identity"
        common = {
            "BUS": "kafka",
            "KAFKA_BOOTSTRAP": KAFKA,
            "TOPIC_SUFFIX": f".c{tag}",
            "ENV": "test",
            "RELAY_POLL_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
        }
        self.routing = ServiceProcess(
            "routing_service",
            "worker",
            {f"ROUTING_{k}": v for k, v in common.items()} | {"ROUTING_DATABASE_URL": self.routing_url},
            tmp_path / "routing.log",
        )
        self.identity = ServiceProcess(
            "identity_service",
            "worker",
            {f"IDENTITY_{k}": v for k, v in common.items()}
            | {
                "IDENTITY_DATABASE_URL": self.identity_url,
                "IDENTITY_SERVICE_NAME": f"identity-service-{tag}",
            },
            tmp_path / "identity.log",
        )
        processes.extend([self.routing, self.identity])
        self.written = 0

    async def prepare(self) -> None:
        for url, folder in ((self.routing_url, ROUTING_MIGRATIONS), (self.identity_url, IDENTITY_MIGRATIONS)):
            await ensure_database(url)
            await asyncio.to_thread(upgrade, url, folder)

    async def cleanup(self) -> None:
        for url in (self.routing_url, self.identity_url):
            await drop_database(url)

    async def write_agencies(self, on_progress: Callable[[int], Awaitable[None]] | None = None) -> None:
        engine = make_engine(url=self.routing_url)
        sessionmaker = make_sessionmaker(engine, **{SOURCE: "routing-service"})
        try:
            parent = None
            for start in range(0, TOTAL, 250):
                async with sessionmaker() as session, session.begin():
                    for n in range(start, start + 250):
                        org = await org_service.create(
                            session,
                            OrgCreate(
                                code=f"{n // 100 % 1000:03d}.{n % 100:02d}.{n // 100000:02d}.H42",
                                name=f"Ủy ban nhân dân xã số {n}",
                                tier=Tier.COMMUNE if parent else Tier.PROVINCE,
                                parent_id=parent,
                            ),
                        )
                        parent = parent or org.id
                self.written = start + 250
                if on_progress is not None:
                    await on_progress(self.written)
        finally:
            await engine.dispose()

    async def identity_counts(self) -> tuple[int, int, int, int]:
        engine = make_engine(url=self.identity_url)
        try:
            async with engine.connect() as conn:
                changes, distinct = (
                    await conn.execute(
                        select(func.count(), func.count(func.distinct(identity_models.AgencyChange.event_id)))
                    )
                ).one()
                agencies = (
                    await conn.execute(select(func.count()).select_from(identity_models.Agency))
                ).scalar_one()
                inboxed = (await conn.execute(select(func.count()).select_from(inbox))).scalar_one()
                return int(changes), int(distinct), int(agencies), int(inboxed)
        finally:
            await engine.dispose()

    async def unpublished(self) -> int:
        engine = make_engine(url=self.routing_url)
        try:
            async with engine.connect() as conn:
                stmt = (
                    select(func.count())
                    .select_from(outbox_table)
                    .where(outbox_table.c.published_at.is_(None))
                )
                return int((await conn.execute(stmt)).scalar_one())
        finally:
            await engine.dispose()

    async def wait_until_applied(self, within: float) -> tuple[int, int, int, int]:
        deadline = time.monotonic() + within
        counts = (0, 0, 0, 0)
        while time.monotonic() < deadline:
            counts = await self.identity_counts()
            if counts[0] >= TOTAL:
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # let any stray redelivery land before counting for good
        return await self.identity_counts()


@pytest.fixture
async def deployment(tmp_path, processes):
    d = Deployment(tmp_path, processes)
    await d.prepare()
    d.routing.start()
    d.identity.start()
    yield d
    for p in processes:
        p.stop()
    await d.cleanup()


async def test_exactly_once_while_the_broker_is_killed(deployment):
    killed = {"done": False}

    async def chaos(written: int) -> None:
        if written >= TOTAL // 2 and not killed["done"]:
            killed["done"] = True
            await asyncio.to_thread(kafka, "kill9")
            await asyncio.sleep(2.0)
            await asyncio.to_thread(kafka, "start")

    await deployment.write_agencies(chaos)
    assert killed["done"]
    counts = await deployment.wait_until_applied(within=300)
    assert counts == (TOTAL, TOTAL, TOTAL, TOTAL), "(changes, distinct events, agencies, inbox rows)"
    assert await deployment.unpublished() == 0
    assert deployment.routing.alive()
    assert deployment.identity.alive()


async def test_exactly_once_while_the_consumer_is_killed(deployment):
    kills = {"count": 0}

    async def chaos(written: int) -> None:
        applied = (await deployment.identity_counts())[0]
        if kills["count"] < 2 and applied >= (kills["count"] + 1) * TOTAL // 4:
            kills["count"] += 1
            deployment.identity.kill9()
            await asyncio.sleep(1.0)
            deployment.identity.start()

    await deployment.write_agencies(chaos)
    while kills["count"] < 1:  # the consumer may lag the writer: make sure it died at least once mid-stream
        await chaos(TOTAL)
        await asyncio.sleep(0.5)
    counts = await deployment.wait_until_applied(within=300)
    assert counts == (TOTAL, TOTAL, TOTAL, TOTAL), "(changes, distinct events, agencies, inbox rows)"
    assert await deployment.unpublished() == 0
