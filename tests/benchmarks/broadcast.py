"""``make bench-broadcast``: a province directive to the whole Ninh Bình tenant (491 units), end to end
in both modes, then routing alone on the full tenant.

End to end (issue 4's acceptance): routing-service and docs-service run in-process (their real apps,
lifespans, relays and consumers; HTTP through an ASGI transport; tokens from the test mint, no
identity-service). The full tenant is seeded into routing and reaches docs' agency replica through
the bus; each round docs' ``DocumentIssued`` for a new directive is put on the bus, then the
province clerk's ``POST /api/v1/dispatches`` to the whole subtree is timed through every hop:
routing's 491 ``DeliveryCreated`` → docs makes each incoming copy and publishes ``IncomingReceived``
→ routing records 01 on each delivery → the roll-up says 491 at 01 (checked, as are docs' 491
copies). Printed per mode, median of ``--e2e-rounds``: POST answered, last ``DeliveryCreated``
published (routing's outbox ``published_at``), last incoming copy made by docs (its ``created_at``),
last status 01 (polling routing's database), and deliveries per second to 01.

- embedded: both on SQLite with one shared in-process bus, as the embedded host runs them;
- distributed: each on its own PostgreSQL database with its own ``KafkaBus`` (relay and consumer),
  on topics with a per-run suffix, so every event really crosses Kafka.

Routing alone, on PostgreSQL with the in-process bus: each figure is a transaction that ends in
routing's outbox (``make bench-bus`` measures the relay). Three figures:

- broadcast: the province dispatches a directive to its whole subtree (491 units); deliveries per
  second from the POST to every ``DeliveryCreated`` committed in the outbox (the POST's own
  transaction), over a few rounds;
- roll-up: the first directive arrived everywhere (01), each district forwarded it to its communes
  (the forwards are real POSTs); p50/p95 of ``GET /dispatches/{id}/rollup`` over the whole tree;
- inbox: one commune holding 10,000 deliveries (bulk-inserted: 10,000 dispatches of 200 documents of
  mixed urgency, a third registered); p50/p95 of ``GET /inbox`` (first page, urgent first) and of
  ``GET /inbox/counts``.

Prints its figures; asserts no timings. Needs the PostgreSQL and Kafka that ``make bench-broadcast``
starts (``EGOV_TEST_PG``, ``EGOV_TEST_KAFKA``). About a minute and a half.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from pydantic import SecretStr
from sqlalchemy import func, insert, select

from docs_service import MIGRATIONS as DOCS_MIGRATIONS
from docs_service.app import create_app as create_docs_app
from docs_service.config import Settings as DocsSettings
from docs_service.models import Agency as DocsAgency
from docs_service.models import Document as DocsDocument
from docs_service.models import DocumentSignature as DocsSignature
from kit_bus import EventBus, KafkaBus, LocalBus, outbox_table
from kit_bus.outbox import SOURCE
from kit_bus.testing import (
    ServiceUnderTest,
    database_url,
    eventually,
    publish,
    running_app,
    service_under_test,
)
from kit_contracts import DocumentIssued, DocumentSummary, StatusCode, Tier, Urgency
from kit_core import configure_logging, new_id
from kit_core.testing import TokenMint
from kit_db import drop_database, make_engine, make_sessionmaker
from routing_service import MIGRATIONS, models
from routing_service.app import create_app
from routing_service.config import Settings
from routing_service.delivery.service import delivery as delivery_service
from routing_service.org.seed import PROVINCE, seed_demo

from .docs import issue_signed, pdf_of

KAFKA = os.environ.get("EGOV_TEST_KAFKA", "127.0.0.1:19092")
URGENCIES = [Urgency.NORMAL] * 6 + [Urgency.URGENT] * 2 + [Urgency.VERY_URGENT, Urgency.FLASH]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[httpx.Response]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await call()
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return samples


def summary(org: models.Org, number: int, urgency: Urgency = Urgency.NORMAL) -> DocumentSummary:
    return DocumentSummary(
        document_id=new_id(),
        exchange_id=f"{org.code},2026/11/27,{number}/UBND-VP",
        org_id=org.id,
        org_code=org.code,
        org_name=org.name,
        number=f"{number:02d}",
        notation="UBND-VP",
        type_name="Công văn",
        subject=f"Về việc triển khai nhiệm vụ số {number}",
        urgency=urgency,
        issued_on=date(2026, 11, 27),
        due_date=date(2026, 12, 31),
    )


class Bench:
    def __init__(self, running: ServiceUnderTest) -> None:
        self.running = running
        self.engine = make_engine(url=running.database_url, pool_size=4)
        self.sessionmaker = make_sessionmaker(self.engine, **{SOURCE: "routing-service"})
        self.orgs: dict[str, models.Org] = {}

    def client(self, org: models.Org, *roles: str) -> httpx.AsyncClient:
        return self.running.client_for(org.id, roles or ["clerk"], user_id=new_id(), agency_code=org.code)

    async def setup(self) -> None:
        await seed_demo(self.sessionmaker, "full")
        async with self.sessionmaker() as session:
            self.orgs = {o.code: o for o in (await session.execute(select(models.Org))).scalars()}

    async def issue(self, org: models.Org, number: int) -> UUID:
        doc = summary(org, number)
        await publish(
            self.running.bus,
            [
                DocumentIssued(
                    document_id=doc.document_id, org_id=org.id, occurred_at=datetime.now(UTC), document=doc
                )
            ],
            source="docs-service",
        )

        async def arrived() -> bool:
            return bool(
                await self.running.scalar(
                    select(func.count()).where(models.IssuedDocument.id == doc.document_id)
                )
            )

        await eventually(arrived, within=60)
        return doc.document_id

    async def broadcast(self, rounds: int) -> tuple[list[float], dict[str, Any]]:
        province = self.orgs[PROVINCE]
        clerk = self.client(province)
        rates: list[float] = []
        first: dict[str, Any] = {}
        for n in range(rounds):
            document_id = await self.issue(province, 100 + n)
            started = time.perf_counter()
            response = await clerk.post(
                "/api/v1/dispatches",
                json={"document_id": str(document_id), "recipients": {"subtrees": [PROVINCE]}},
            )
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            dispatch = response.json()
            announced = await self.running.scalar(
                select(func.count())
                .select_from(outbox_table)
                .where(
                    outbox_table.c.type == "routing.delivery.created.v1",
                    outbox_table.c.payload["dispatch_id"].as_string() == dispatch["id"],
                )
            )
            assert announced == len(dispatch["deliveries"]), (announced, len(dispatch["deliveries"]))
            rates.append(announced / elapsed)
            first = first or dispatch
        return rates, first

    async def forward_tree(self, dispatch: dict[str, Any]) -> int:
        """Every delivery arrives (01); each district forwards to its communes. Returns the forwards' count."""
        now = datetime.now(UTC)
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(models.Delivery, models.Dispatch)
                    .join(models.Dispatch, models.Dispatch.id == models.Delivery.dispatch_id)
                    .where(models.Delivery.dispatch_id == UUID(dispatch["id"]))
                )
            ).all()
            for delivery, parent in rows:
                await delivery_service.record(session, delivery, parent, StatusCode.ARRIVED, occurred_at=now)
        forwards = 0
        for d in dispatch["deliveries"]:
            org = self.orgs[d["recipient_code"]]
            if org.tier != Tier.DISTRICT:
                continue
            response = await self.client(org).post(
                f"/api/v1/deliveries/{d['id']}/forward", json={"recipients": {"subtrees": [org.code]}}
            )
            if response.status_code == 422 and response.json()["type"].endswith("/no-recipients"):
                continue  # a district-level office with no units below it
            response.raise_for_status()
            forwards += len(response.json()["deliveries"])
        return forwards

    async def fill_inbox(self, commune: models.Org, count: int) -> None:
        senders = [
            o for o in self.orgs.values() if o.tier in (Tier.PROVINCE, Tier.DISTRICT) and not o.external
        ]
        start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        documents = []
        for n in range(200):
            sender = senders[n % len(senders)]
            doc = summary(sender, 1000 + n, URGENCIES[n % len(URGENCIES)])
            documents.append(
                {
                    "id": doc.document_id,
                    "org_id": sender.id,
                    "exchange_id": doc.exchange_id,
                    "confidentiality": doc.confidentiality.value,
                    "urgency": doc.urgency.value,
                    "summary": doc.model_dump(mode="json"),
                    "issued_at": start,
                }
            )
        dispatches, deliveries = [], []
        for n in range(count):
            row = documents[n % len(documents)]
            at = start + timedelta(minutes=30 * n)
            dispatch_id, delivery_id = new_id(), new_id()
            dispatches.append(
                {
                    "id": dispatch_id,
                    "document_id": row["id"],
                    "exchange_id": row["exchange_id"],
                    "sender_org_id": row["org_id"],
                    "created_at": at,
                }
            )
            registered = n % 3 == 0
            deliveries.append(
                {
                    "id": delivery_id,
                    "dispatch_id": dispatch_id,
                    "recipient_org_id": commune.id,
                    "recipient_code": commune.code,
                    "external": False,
                    "business_type": "0",
                    "transport": "sent",
                    "attempts": 1,
                    "last_attempt_at": at,
                    "status": StatusCode.ACCEPTED.value if registered else StatusCode.ARRIVED.value,
                    "status_at": at,
                    "deadline": (at + timedelta(days=10)).date(),
                    "created_at": at,
                }
            )
        async with self.sessionmaker() as session, session.begin():
            await session.execute(insert(models.IssuedDocument), documents)
            for chunk in range(0, count, 2000):
                await session.execute(insert(models.Dispatch), dispatches[chunk : chunk + 2000])
                await session.execute(insert(models.Delivery), deliveries[chunk : chunk + 2000])
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")

    async def close(self) -> None:
        await self.engine.dispose()


async def bench(rounds: int, runs: int, inbox_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        async with service_under_test(
            lambda url, bus, verifier: create_app(
                Settings(database_url=SecretStr(url), env="test", relay_poll_seconds=0.2),
                bus=bus,
                verifier=verifier,
            ),
            migrations=MIGRATIONS,
            dialect="postgres",
            name="bench_broadcast",
            folder=Path(folder),
            redeliver=False,
        ) as running:
            b = Bench(running)
            try:
                await b.setup()
                rates, first = await b.broadcast(rounds)
                forwarded = await b.forward_tree(first)
                province = b.client(b.orgs[PROVINCE])
                rollup = (await province.get(f"/api/v1/dispatches/{first['id']}/rollup")).json()
                rollup_ms = await timed(
                    lambda: province.get(f"/api/v1/dispatches/{first['id']}/rollup"), runs
                )

                commune = next(o for o in b.orgs.values() if o.tier == Tier.COMMUNE)
                await b.fill_inbox(commune, inbox_size)
                clerk = b.client(commune)
                total = (await clerk.get("/api/v1/inbox")).headers["X-Total-Count"]
                inbox_ms = await timed(lambda: clerk.get("/api/v1/inbox", params={"limit": 50}), runs)
                urgent_ms = await timed(
                    lambda: clerk.get("/api/v1/inbox", params={"limit": 50, "status": "01"}), runs
                )
                counts_ms = await timed(lambda: clerk.get("/api/v1/inbox/counts"), runs)
            finally:
                await b.close()
    return {
        "units": sum(1 for o in b.orgs.values() if not o.external),
        "external_units": sum(1 for o in b.orgs.values() if o.external),
        "broadcast_deliveries": len(first["deliveries"]),
        "broadcast_deliveries_per_s_median": round(statistics.median(rates), 1),
        "broadcast_deliveries_per_s_min": round(min(rates), 1),
        "rollup_deliveries": rollup["total"],
        "rollup_levels": rollup["levels"],
        "rollup_forwarded": forwarded,
        "rollup_ms_p50": round(percentile(rollup_ms, 0.5), 1),
        "rollup_ms_p95": round(percentile(rollup_ms, 0.95), 1),
        "inbox_commune": commune.code,
        "inbox_deliveries": int(total),
        "inbox_page_ms_p50": round(percentile(inbox_ms, 0.5), 1),
        "inbox_page_ms_p95": round(percentile(inbox_ms, 0.95), 1),
        "inbox_filtered_ms_p50": round(percentile(urgent_ms, 0.5), 1),
        "inbox_filtered_ms_p95": round(percentile(urgent_ms, 0.95), 1),
        "inbox_counts_ms_p50": round(percentile(counts_ms, 0.5), 1),
        "inbox_counts_ms_p95": round(percentile(counts_ms, 0.95), 1),
    }


# --- end to end: dispatch → DeliveryCreated → docs' incoming copy → IncomingReceived → 01 -------------


@dataclass
class Pair:
    """routing and docs running together; ``publisher`` puts events on their bus as another service would."""

    mode: str
    routing: httpx.AsyncClient  # sends no token
    docs: httpx.AsyncClient  # sends no token
    routing_url: str
    docs_url: str
    publisher: EventBus
    mint: TokenMint


@contextlib.asynccontextmanager
async def routing_and_docs(mode: str, folder: Path) -> AsyncIterator[Pair]:
    """Embedded: both apps on SQLite with one shared ``LocalBus``, as the embedded host runs them.
    Distributed: both on their own PostgreSQL database, each with its own ``KafkaBus`` (relay and
    consumer), on topics no other run uses."""
    mint = TokenMint()
    shared: LocalBus | None = None
    publisher: EventBus
    extra: dict[str, Any] = {}
    if mode == "embedded":
        dialect = "sqlite"
        shared = LocalBus()
        publisher = shared
    else:
        dialect = "postgres"
        suffix = f".bb{new_id().hex[-10:]}"
        extra = {"bus": "kafka", "kafka_bootstrap": KAFKA, "topic_suffix": suffix}
        publisher = KafkaBus(bootstrap=KAFKA, client_id="bench-broadcast-publisher", topic_suffix=suffix)
    routing_url = database_url(dialect, "bench_e2e_routing", folder)
    docs_url = database_url(dialect, "bench_e2e_docs", folder)
    routing_settings = Settings(database_url=SecretStr(routing_url), env="test", **extra)
    docs_settings = DocsSettings(
        database_url=SecretStr(docs_url),
        env="test",
        blob_dir=folder / "blobs",
        signing_dir=folder / "signing",
        **extra,
    )
    await publisher.start()
    try:
        async with (
            running_app(
                lambda: create_app(routing_settings, bus=shared, verifier=mint.verifier()),
                database_url=routing_url,
                migrations=MIGRATIONS,
            ) as (_, routing),
            running_app(
                lambda: create_docs_app(docs_settings, bus=shared, verifier=mint.verifier()),
                database_url=docs_url,
                migrations=DOCS_MIGRATIONS,
            ) as (_, docs),
        ):
            yield Pair(mode, routing, docs, routing_url, docs_url, publisher, mint)
    finally:
        await publisher.stop()
        if dialect == "postgres":
            await drop_database(routing_url)
            await drop_database(docs_url)


class EndToEnd:
    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.routing_engine = make_engine(url=pair.routing_url, pool_size=2)
        self.docs_engine = make_engine(url=pair.docs_url, pool_size=2)
        self.orgs: dict[str, models.Org] = {}

    async def close(self) -> None:
        await self.routing_engine.dispose()
        await self.docs_engine.dispose()

    async def routing_scalar(self, stmt: Any) -> Any:
        async with self.routing_engine.connect() as conn:
            return (await conn.execute(stmt)).scalar()

    async def docs_scalar(self, stmt: Any) -> Any:
        async with self.docs_engine.connect() as conn:
            return (await conn.execute(stmt)).scalar()

    async def setup(self) -> None:
        """The full tenant into routing's directory; wait until docs' replica holds every agency."""
        sessionmaker = make_sessionmaker(self.routing_engine, **{SOURCE: "routing-service"})
        await seed_demo(sessionmaker, "full")
        async with sessionmaker() as session:
            self.orgs = {o.code: o for o in (await session.execute(select(models.Org))).scalars()}
        # The seed's events reach docs through the bus (its outbox, relay and docs' consumer).
        total = len(self.orgs)

        async def replicated() -> bool:
            return int(await self.docs_scalar(select(func.count()).select_from(DocsAgency))) >= total

        await eventually(replicated, within=180, interval=0.2)

    async def issue(self, org: models.Org, number: int) -> UUID:
        """docs' ``DocumentIssued`` for a province directive, into routing's replica through the bus."""
        doc = summary(org, number)
        event = DocumentIssued(
            document_id=doc.document_id, org_id=org.id, occurred_at=datetime.now(UTC), document=doc
        )
        await publish(self.pair.publisher, [event], source="docs-service")

        async def arrived() -> bool:
            count = select(func.count()).where(models.IssuedDocument.id == doc.document_id)
            return bool(await self.routing_scalar(count))

        await eventually(arrived, within=60, interval=0.02)
        return doc.document_id

    async def issue_signed(self, org: models.Org, number: int, pdf: bytes) -> UUID:
        """Through docs-service itself: a decision with a signed and sealed PDF, issued; its
        ``DocumentIssued`` reaches routing through the bus."""
        clients = [
            httpx.AsyncClient(
                transport=self.pair.docs._transport,
                base_url=self.pair.docs.base_url,
                headers=self.pair.mint.headers(org.id, [role], user_id=new_id(), name=name),
            )
            for role, name in (
                ("specialist", "Nguyễn Văn An"),
                ("leader", "Trần Thị Bình"),
                ("clerk", "Lê Văn Cường"),
            )
        ]
        try:
            specialist, leader, clerk = clients
            document_id = UUID(await issue_signed(specialist, leader, clerk, number, pdf))
        finally:
            for c in clients:
                await c.aclose()

        async def arrived() -> bool:
            count = select(func.count()).where(models.IssuedDocument.id == document_id)
            return bool(await self.routing_scalar(count))

        await eventually(arrived, within=60, interval=0.02)
        return document_id

    async def round(self, number: int, pdf: bytes | None = None) -> dict[str, float]:
        province = self.orgs[PROVINCE]
        document_id = (
            await self.issue(province, number)
            if pdf is None
            else await self.issue_signed(province, number, pdf)
        )
        headers = self.pair.mint.headers(province.id, ["clerk"], user_id=new_id(), agency_code=province.code)
        wall = datetime.now(UTC)
        started = time.perf_counter()
        response = await self.pair.routing.post(
            "/api/v1/dispatches",
            json={"document_id": str(document_id), "recipients": {"subtrees": [PROVINCE]}},
            headers=headers,
        )
        posted = time.perf_counter() - started
        response.raise_for_status()
        dispatch = response.json()
        dispatch_id = UUID(dispatch["id"])
        expected = len(dispatch["deliveries"])
        at_01 = (
            select(func.count())
            .select_from(models.Delivery)
            .where(
                models.Delivery.dispatch_id == dispatch_id, models.Delivery.status == StatusCode.ARRIVED.value
            )
        )
        while await self.routing_scalar(at_01) < expected:
            if time.perf_counter() - started > 300:
                raise TimeoutError(f"{self.pair.mode}: not every delivery reached 01 within 300 s")
            await asyncio.sleep(0.02)
        arrived = time.perf_counter() - started
        announced = (
            select(func.count(), func.max(outbox_table.c.published_at))
            .select_from(outbox_table)
            .where(
                outbox_table.c.type == "routing.delivery.created.v1",
                outbox_table.c.payload["dispatch_id"].as_string() == str(dispatch_id),
                outbox_table.c.published_at.is_not(None),
            )
        )

        async def all_published() -> tuple[int, datetime] | None:
            async with self.routing_engine.connect() as conn:
                count, last = (await conn.execute(announced)).one()
            return (count, last) if count == expected else None

        _, last_published = await eventually(all_published, within=60)
        if last_published.tzinfo is None:
            last_published = last_published.replace(tzinfo=UTC)
        rollup = (
            await self.pair.routing.get(f"/api/v1/dispatches/{dispatch_id}/rollup", headers=headers)
        ).json()
        if rollup["by_status"].get(StatusCode.ARRIVED.value) != expected:
            raise AssertionError(f"{self.pair.mode}: the roll-up does not say {expected} at 01: {rollup}")
        copies = select(func.count(), func.max(DocsDocument.created_at)).where(
            DocsDocument.source_document_id == document_id
        )
        async with self.docs_engine.connect() as conn:
            held, last_copy = (await conn.execute(copies)).one()
        if held != expected:
            raise AssertionError(f"{self.pair.mode}: docs holds {held} incoming copies, not {expected}")
        if pdf is not None:
            reported = select(func.count(func.distinct(DocsSignature.document_id))).where(
                DocsSignature.document_id.in_(
                    select(DocsDocument.id).where(DocsDocument.source_document_id == document_id)
                ),
                DocsSignature.bottom_line.is_(True),
            )
            if await self.docs_scalar(reported) != expected:
                raise AssertionError(f"{self.pair.mode}: not every copy carries a valid signature report")
        if last_copy.tzinfo is None:
            last_copy = last_copy.replace(tzinfo=UTC)
        return {
            "deliveries": expected,
            "post_s": posted,
            "published_s": (last_published - wall).total_seconds(),
            "copied_s": (last_copy - wall).total_seconds(),
            "arrived_s": arrived,
        }


async def end_to_end(mode: str, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        async with routing_and_docs(mode, Path(folder)) as pair:
            e2e = EndToEnd(pair)
            try:
                await e2e.setup()
                results = [await e2e.round(200 + n) for n in range(rounds)]
                pdf = await asyncio.to_thread(pdf_of, 200)
                signed = [await e2e.round(300 + n, pdf) for n in range(rounds)]
            finally:
                await e2e.close()
    arrived = [r["arrived_s"] for r in results]
    return {
        "with_signed_pdf_last_01_ms_median": round(
            statistics.median(r["arrived_s"] for r in signed) * 1000, 1
        ),
        "with_signed_pdf_last_01_ms_rounds": [round(r["arrived_s"] * 1000, 1) for r in signed],
        "mode": mode,
        "deliveries": int(results[0]["deliveries"]),
        "rounds": rounds,
        "post_ms_median": round(statistics.median(r["post_s"] for r in results) * 1000, 1),
        "last_published_ms_median": round(statistics.median(r["published_s"] for r in results) * 1000, 1),
        "last_copy_ms_median": round(statistics.median(r["copied_s"] for r in results) * 1000, 1),
        "last_01_ms_median": round(statistics.median(arrived) * 1000, 1),
        "last_01_ms_rounds": [round(a * 1000, 1) for a in arrived],
        "deliveries_per_s_median": round(results[0]["deliveries"] / statistics.median(arrived), 1),
    }


def report_end_to_end(r: dict[str, Any]) -> None:
    where = (
        "SQLite, one in-process bus"
        if r["mode"] == "embedded"
        else "PostgreSQL, each service its own Kafka relay and consumer"
    )
    sys.stdout.write(
        f"end to end, {r['mode']} ({where}): province -> whole subtree, {r['deliveries']} deliveries, "
        f"median of {r['rounds']} rounds\n"
        f"  POST answered {r['post_ms_median']} ms; last DeliveryCreated published "
        f"{r['last_published_ms_median']} ms; last incoming copy made by docs {r['last_copy_ms_median']} ms; "
        f"last status 01 {r['last_01_ms_median']} ms "
        f"(rounds: {', '.join(f'{a} ms' for a in r['last_01_ms_rounds'])}); "
        f"{r['deliveries_per_s_median']:,.0f} deliveries/s to 01\n"
        f"  the same with a 200 KB PDF signed by the leader and sealed (each copy gets its files and a "
        f"validated signature report): last status 01 {r['with_signed_pdf_last_01_ms_median']} ms "
        f"(rounds: {', '.join(f'{a} ms' for a in r['with_signed_pdf_last_01_ms_rounds'])})\n"
    )
    sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(prog="tests.benchmarks.broadcast")
    parser.add_argument("--e2e-rounds", type=int, default=3, help="broadcasts timed to the last 01, per mode")
    parser.add_argument(
        "--modes",
        default="embedded,distributed",
        help="end-to-end modes to run, comma-separated (embedded, distributed; empty for none)",
    )
    parser.add_argument(
        "--routing-only",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the routing-alone figures (POST to outbox, roll-up, inbox)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="province-wide dispatches timed")
    parser.add_argument("--runs", type=int, default=50, help="requests per latency figure")
    parser.add_argument("--inbox", type=int, default=10_000, help="deliveries in the commune's inbox")
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    for mode in filter(None, (m.strip() for m in args.modes.split(","))):
        if mode not in ("embedded", "distributed"):
            parser.error(f"unknown mode {mode!r}")
        report_end_to_end(asyncio.run(end_to_end(mode, args.e2e_rounds)))
    if not args.routing_only:
        return
    r = asyncio.run(bench(args.rounds, args.runs, args.inbox))
    sys.stdout.write(
        "broadcast benchmark: routing-service on PostgreSQL, in-process bus, full Ninh Bình tenant "
        f"({r['units']} units, {r['external_units']} central agencies beyond the axis)\n"
        f"  province -> whole subtree: {r['broadcast_deliveries']} deliveries, median "
        f"{r['broadcast_deliveries_per_s_median']:,.0f} deliveries/s (slowest round {r['broadcast_deliveries_per_s_min']:,.0f}), "
        "POST to every DeliveryCreated in the outbox\n"
        f"  roll-up over {r['rollup_deliveries']} deliveries in {r['rollup_levels']} levels "
        f"({r['rollup_forwarded']} forwarded by the districts): p50 {r['rollup_ms_p50']} ms, p95 {r['rollup_ms_p95']} ms\n"
        f"  inbox of {r['inbox_commune']} with {r['inbox_deliveries']:,} deliveries: first page p50 "
        f"{r['inbox_page_ms_p50']} ms, p95 {r['inbox_page_ms_p95']} ms; filtered (status 01) p50 "
        f"{r['inbox_filtered_ms_p50']} ms, p95 {r['inbox_filtered_ms_p95']} ms; counts p50 "
        f"{r['inbox_counts_ms_p50']} ms, p95 {r['inbox_counts_ms_p95']} ms\n"
    )
    sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
