from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import func, select

from kit_bus import outbox_table
from kit_bus.outbox import SOURCE
from kit_bus.tables import inbox
from kit_bus.testing import DIALECTS, ServiceUnderTest, eventually, publish, service_under_test
from kit_contracts import (
    DeliveryCreated,
    DocumentIssued,
    DocumentSummary,
    IncomingReceived,
    IncomingRegistered,
    IncomingReturned,
    NotificationRequested,
    OrgCreated,
)
from kit_core import FixedClock
from kit_db import make_engine, make_sessionmaker
from routing_service import MIGRATIONS, models
from routing_service.app import create_app
from routing_service.config import Settings
from routing_service.org.seed import seed_demo

from .tenant import HOLIDAY, ISSUED_ON


@dataclass
class Routing:
    """The running service, what it published (on the directory topic), and helpers to drive it.

    ``client`` signs in as a system administrator (of an agency outside the directory): most tests
    are about the directory, not about who may change it (test_access.py is).
    """

    client: httpx.AsyncClient
    running: ServiceUnderTest
    received: list[Any] = field(default_factory=list)

    async def create(
        self, code: str, name: str, tier: str, parent: dict[str, Any] | None = None, **extra: Any
    ):
        body = {"code": code, "name": name, "tier": tier, **extra}
        if parent is not None:
            body["parent_id"] = parent["id"]
        response = await self.client.post("/api/v1/orgs", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async def seed(self, variant: str) -> int:
        engine = make_engine(url=self.running.database_url, pool_size=2)
        try:
            return await seed_demo(make_sessionmaker(engine, **{SOURCE: "routing-service"}), variant)
        finally:
            await engine.dispose()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Payloads received so far, of ``routing.org.<kind>.v1`` if given."""
        return [
            json.loads(r.value)
            for r in self.received
            if kind is None or r.headers["ce_type"] == f"routing.org.{kind}.v1"
        ]

    async def settled(self, count: int) -> None:
        """Wait until ``count`` events arrived, then make sure no more follow."""
        await eventually(lambda: len(self.received) >= count)
        await self.quiet()
        assert len(self.received) == count, [r.headers["ce_type"] for r in self.received]

    async def quiet(self) -> None:
        pending = select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))

        async def drained() -> bool:
            return await self.running.scalar(pending) == 0

        await eventually(drained)


@pytest.fixture(params=DIALECTS)
async def routing(request, tmp_path):
    async with service_under_test(
        lambda url, bus, verifier: create_app(
            Settings(database_url=url, env="test", relay_poll_seconds=0.05), bus=bus, verifier=verifier
        ),
        migrations=MIGRATIONS,
        dialect=request.param,
        name="routing",
        folder=tmp_path,
        redeliver=False,
    ) as running:
        harness = Routing(client=running.client_for(roles=["system_admin"]), running=running)

        async def sink(records):
            harness.received.extend(records)

        running.bus.subscribe("observer", [OrgCreated.topic], sink)
        yield harness


@dataclass
class Exchange:
    """routing-service with a fixed clock and a redelivering bus (every event arrives twice), the
    small Ninh Bình tenant, and helpers standing in for docs-service and for the people at each agency."""

    running: ServiceUnderTest
    clock: FixedClock
    admin: httpx.AsyncClient
    received: list[Any] = field(default_factory=list)
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def setup(self) -> None:
        engine = make_engine(url=self.running.database_url, pool_size=2)
        try:
            await seed_demo(make_sessionmaker(engine, **{SOURCE: "routing-service"}), "small")
        finally:
            await engine.dispose()
        listed = await self.admin.get("/api/v1/orgs", params={"limit": 500})
        assert listed.status_code == 200, listed.text
        self.orgs = {o["code"]: o for o in listed.json()}

    def org(self, code: str) -> dict[str, Any]:
        return self.orgs[code]

    def user(self, code: str, *roles: str, user_id: UUID | None = None, name: str = "Nguyễn Văn An"):
        return self.running.client_for(
            self.orgs[code]["id"], roles or ["clerk"], user_id=user_id or uuid4(), agency_code=code, name=name
        )

    async def add_org(self, code: str, name: str, tier: str, parent: str, **extra: Any) -> dict[str, Any]:
        body = {"code": code, "name": name, "tier": tier, "parent_id": self.orgs[parent]["id"], **extra}
        response = await self.admin.post("/api/v1/orgs", json=body)
        assert response.status_code == 201, response.text
        self.orgs[code] = response.json()
        return self.orgs[code]

    async def issue(self, code: str, **changes: Any) -> UUID:
        """docs-service issues a document of agency ``code``; wait until routing has its replica."""
        org = self.orgs[code]
        document_id = changes.pop("document_id", None) or uuid4()
        summary = {
            "document_id": document_id,
            "exchange_id": f"{code},2026/11/27,12/QĐ-UBND",
            "org_id": org["id"],
            "org_code": code,
            "org_name": org["name"],
            "number": "12",
            "notation": "QĐ-UBND",
            "type_name": "Quyết định",
            "type_abbreviation": "QĐ",
            "subject": "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
            "issued_on": ISSUED_ON,
            **changes,
        }
        await self.publish(
            DocumentIssued(
                document_id=document_id,
                org_id=org["id"],
                occurred_at=self.clock.now(),
                document=DocumentSummary(**summary),
            )
        )
        return document_id

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Distinct payloads of ``routing.delivery.<kind>.v1`` (or a full type) received so far."""
        wanted = kind if "." in kind else f"routing.delivery.{kind}.v1"
        seen: set[str] = set()
        found = []
        for record in self.received:
            if record.headers["ce_type"] == wanted and record.headers["ce_id"] not in seen:
                seen.add(record.headers["ce_id"])
                found.append(json.loads(record.value))
        return found

    async def quiet(self) -> None:
        pending = select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))

        async def drained() -> bool:
            return await self.running.scalar(pending) == 0

        await eventually(drained)

    async def statuses(self, delivery_id: str) -> list[str]:
        rows = await self.running.rows(
            select(models.DeliveryStatus.code)
            .where(models.DeliveryStatus.delivery_id == UUID(delivery_id))
            .order_by(models.DeliveryStatus.recorded_at)
        )
        return [r[0] for r in rows]

    async def answer(self, kind: str, delivery: dict[str, Any], *, settle_on: str, **extra: Any) -> None:
        """docs-service at the recipient: ``received``, ``registered`` or ``returned``; wait for its status
        (``settle_on``), or for the bus to go quiet when it must be ignored."""
        common = {
            "document_id": uuid4(),
            "org_id": delivery["recipient_org_id"],
            "delivery_id": delivery["id"],
            "occurred_at": self.clock.now(),
        }
        event: Any
        if kind == "received":
            event = IncomingReceived(**common, exchange_id="x", **extra)
        elif kind == "registered":
            event = IncomingRegistered(
                **common, arrival_number=extra.pop("arrival_number", 7), arrival_date=ISSUED_ON, **extra
            )
        else:
            event = IncomingReturned(**common, reason=extra.pop("reason", "Gửi nhầm đơn vị"), **extra)
        await self.publish(event)
        if settle_on:

            async def settled() -> bool:
                return settle_on in await self.statuses(delivery["id"])

            await eventually(settled)

    async def publish(self, *events: Any, source: str = "docs-service") -> None:
        """As docs-service's (or ``source``'s) relay would; returns once routing has applied them."""
        envelopes = await publish(self.running.bus, list(events), source=source)
        claimed = (
            select(func.count()).select_from(inbox).where(inbox.c.event_id.in_([e.id for e in envelopes]))
        )

        async def applied() -> bool:
            return await self.running.scalar(claimed) == len(envelopes)

        await eventually(applied)


@pytest.fixture(params=DIALECTS)
async def exchange(request, tmp_path):
    clock = FixedClock(datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    async with service_under_test(
        lambda url, bus, verifier: create_app(
            Settings(
                database_url=url,
                env="test",
                relay_poll_seconds=0.05,
                delivery_sweep_seconds=0.05,
                delivery_max_attempts=3,
                assignment_sweep_seconds=0.05,
                holidays=[HOLIDAY],
            ),
            bus=bus,
            verifier=verifier,
            clock=clock,
        ),
        migrations=MIGRATIONS,
        dialect=request.param,
        name="routing",
        folder=tmp_path,
        redeliver=True,
    ) as running:
        harness = Exchange(running=running, clock=clock, admin=running.client_for(roles=["system_admin"]))

        async def sink(records):
            harness.received.extend(records)

        running.bus.subscribe("observer", [DeliveryCreated.topic, NotificationRequested.topic], sink)
        await harness.setup()
        yield harness
