from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kit_bus import outbox_table
from kit_bus.outbox import SOURCE
from kit_bus.testing import DIALECTS, ServiceUnderTest, eventually, service_under_test
from kit_contracts import OrgCreated
from kit_db import make_engine, make_sessionmaker
from routing_service import MIGRATIONS
from routing_service.app import create_app
from routing_service.config import Settings
from routing_service.org.seed import seed_demo


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
