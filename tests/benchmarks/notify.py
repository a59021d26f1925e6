"""``make bench-notify``: notifications per second from the request event to delivered, through the
e-mail channel (a local SMTP sink, aiosmtpd) and the webhook channel (a local HTTP receiver, uvicorn),
with p50/p99 latency.

notify-service runs in-process (its real app, lifespan, Kafka consumer and sending worker) on a
fresh PostgreSQL database; the events reach it through Kafka (topics with a per-run suffix), published
by a separate producer. ``--local-bus`` uses the in-process bus instead (notify's own work only).

- e-mail: ``NotificationRequested`` (``user.welcome``, channel e-mail) for distinct users; from the
  publish to the delivery's ``completed_at`` (after the SMTP server accepted the message);
- webhook: ``DocumentIssued`` events to one subscription; from the publish to the receiver's answer;
- each twice: a burst of N events (throughput: N / time until the last is delivered) and a paced
  stream (latency: p50/p99 per event at a rate well below the throughput).

Prints its figures; asserts nothing. Needs the PostgreSQL and Kafka that ``make bench-notify`` starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import uvicorn
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import func, select

from kit_bus import KafkaBus
from kit_bus.testing import ServiceUnderTest, database_url, publish, running_app, service_under_test
from kit_contracts import DocumentIssued, DocumentSummary, NotificationRequested, UserCreated
from kit_core import configure_logging, new_id
from kit_core.testing import TokenMint
from kit_db import drop_database
from notify_service import MIGRATIONS, models
from notify_service.app import create_app
from notify_service.config import Settings

KAFKA = os.environ.get("EGOV_TEST_KAFKA", "127.0.0.1:19092")


@contextlib.asynccontextmanager
async def notify_over_kafka(settings: dict[str, Any], folder: Path) -> Any:
    """notify on a fresh PostgreSQL database, consuming from Kafka; the bench publishes through its own
    producer (``running.bus``)."""
    suffix = f".bn{new_id().hex[-10:]}"
    url = database_url("postgres", "bench_notify", folder)
    mint = TokenMint()
    values = settings | {"bus": "kafka", "kafka_bootstrap": KAFKA, "topic_suffix": suffix}
    producer = KafkaBus(bootstrap=KAFKA, client_id="bench-notify-producer", topic_suffix=suffix)
    await producer.start()
    try:
        async with running_app(
            lambda: create_app(Settings(database_url=SecretStr(url), **values), verifier=mint.verifier()),
            database_url=url,
            migrations=MIGRATIONS,
        ) as (app, client):
            running = ServiceUnderTest(app=app, client=client, bus=producer, database_url=url, mint=mint)  # type: ignore[arg-type]
            try:
                yield running
            finally:
                for extra in running._clients:
                    await extra.aclose()
                if running._engine is not None:
                    await running._engine.dispose()
    finally:
        await producer.stop()
        await drop_database(url)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Sink:
    """An SMTP server that accepts everything and counts it."""

    def __init__(self) -> None:
        self.count = 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 Message accepted for delivery"


class Receiver:
    """A partner's webhook endpoint: 200 for everything; when each event arrived, by its document."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hooks"
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                interface="asgi3",
                lifespan="off",
                log_config=None,
                log_level="warning",
                http="h11",
                ws="none",
                timeout_graceful_shutdown=1,
            )
        )

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        document = json.loads(body)["data"]["document_id"]
        self.arrived.setdefault(document, time.time())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class Bench:
    def __init__(self, running: ServiceUnderTest, receiver: Receiver) -> None:
        self.running, self.receiver = running, receiver
        self.users: list[UUID] = []
        self.org = new_id()
        self.sent_at: dict[str, float] = {}

    async def setup(self, users: int) -> None:
        self.users = [new_id() for _ in range(users)]
        for start in range(0, users, 500):
            await publish(
                self.running.bus,
                [
                    UserCreated(
                        user_id=u,
                        username=f"u{u.hex[-10:]}",
                        full_name="Nguyễn Văn An",
                        email=f"u{u.hex[-10:]}@ninhbinh.gov.vn",
                        phone=None,
                        active=True,
                        memberships=[],
                    )
                    for u in self.users[start : start + 500]
                ],
            )
        await self.until(lambda: self.running.scalar(select(func.count()).select_from(models.User)), users)
        admin = self.running.client_for(new_id(), ["system_admin"])
        response = await admin.post(
            "/api/v1/webhooks",
            json={
                "url": self.receiver.url,
                "event_types": ["document.issued"],
                "org_id": str(self.org),
                "allow_private": True,
            },
        )
        response.raise_for_status()

    async def until(self, count: Any, n: int, within: float = 600) -> float:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            value = count()
            if asyncio.iscoroutine(value):
                value = await value
            if int(value) >= n:
                return time.time()
            await asyncio.sleep(0.02)
        raise TimeoutError(f"{n} not reached in {within} s")

    def email(self, user: UUID) -> NotificationRequested:
        key = f"bench:{new_id()}"
        self.sent_at[key] = time.time()
        return NotificationRequested(
            request_id=new_id(),
            kind="user.welcome",
            user_ids=[user],
            channels=["email"],
            data={"full_name": "Nguyễn Văn An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"},
            idempotency_key=key,
        )

    def document(self) -> DocumentIssued:
        document_id = new_id()
        self.sent_at[str(document_id)] = time.time()
        return DocumentIssued(
            document_id=document_id,
            org_id=self.org,
            occurred_at=datetime.now(UTC),
            document=DocumentSummary(
                document_id=document_id,
                exchange_id="000.00.01.H42,2026/11/27,12/QĐ-UBND",
                org_id=self.org,
                org_code="000.00.01.H42",
                number="12",
                notation="QĐ-UBND",
                type_name="Quyết định",
                subject="Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
                issued_on=date(2026, 11, 27),
            ),
        )

    async def delivered_emails(self) -> int:
        stmt = select(func.count()).where(
            models.Delivery.channel == "email", models.Delivery.status == "delivered"
        )
        return int(await self.running.scalar(stmt))

    async def email_latencies(self, keys: set[str]) -> list[float]:
        rows = await self.running.rows(
            select(models.Notification.idempotency_key, models.Delivery.completed_at)
            .join(models.Delivery, models.Delivery.notification_id == models.Notification.id)
            .where(models.Delivery.channel == "email")
        )
        latencies = []
        for key, done in cast(list[tuple[str, datetime | None]], rows):
            if key in keys and done is not None:
                latencies.append((done.timestamp() - self.sent_at[key]) * 1000)
        return latencies

    async def burst_email(self, n: int, offset: int) -> float:
        started = time.time()
        users = self.users[offset : offset + n]
        for start in range(0, n, 100):
            await publish(self.running.bus, [self.email(u) for u in users[start : start + 100]])
        finished = await self.until(self.delivered_emails, offset + n)
        return n / (finished - started)

    async def paced_email(self, rate: int, seconds: int, offset: int) -> list[float]:
        total = rate * seconds
        keys: set[str] = set()
        begin = time.monotonic()
        for i in range(total):
            request = self.email(self.users[offset + i])
            keys.add(request.idempotency_key)
            await publish(self.running.bus, [request])
            ahead = begin + (i + 1) / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        await self.until(self.delivered_emails, offset + total)
        return await self.email_latencies(keys)

    async def burst_webhook(self, n: int) -> float:
        before = len(self.receiver.arrived)
        started = time.time()
        for start in range(0, n, 100):
            await publish(self.running.bus, [self.document() for _ in range(min(100, n - start))])
        finished = await self.until(lambda: len(self.receiver.arrived), before + n)
        return n / (finished - started)

    async def paced_webhook(self, rate: int, seconds: int) -> list[float]:
        total = rate * seconds
        before = len(self.receiver.arrived)
        documents: list[str] = []
        begin = time.monotonic()
        for i in range(total):
            event = self.document()
            documents.append(str(event.document_id))
            await publish(self.running.bus, [event])
            ahead = begin + (i + 1) / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        await self.until(lambda: len(self.receiver.arrived), before + total)
        return [(self.receiver.arrived[d] - self.sent_at[d]) * 1000 for d in documents]


async def bench(n: int, rate: int, seconds: int, *, kafka: bool) -> dict[str, Any]:
    sink, receiver = Sink(), Receiver()
    sink.controller.start()
    serving = asyncio.create_task(receiver.server.serve(sockets=[receiver.sock]))
    try:
        while not receiver.server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the webhook receiver stopped before it started")
            await asyncio.sleep(0.01)
        with tempfile.TemporaryDirectory() as folder:
            settings: dict[str, Any] = {
                "env": "test",
                "mail_transport": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": sink.port,
                "send_batch": 200,
                "send_concurrency": 32,
                "send_poll_seconds": 0.2,
                "relay_poll_seconds": 0.2,
                "rate_limit_per_hour": 1_000_000,
                "webhook_allow_private": True,
                "digest_enabled": False,
            }
            opened = (
                notify_over_kafka(settings, Path(folder))
                if kafka
                else service_under_test(
                    lambda url, bus, verifier: create_app(
                        Settings(database_url=SecretStr(url), **settings), bus=bus, verifier=verifier
                    ),
                    migrations=MIGRATIONS,
                    dialect="postgres",
                    name="bench_notify",
                    folder=Path(folder),
                    redeliver=False,
                )
            )
            async with opened as running:
                b = Bench(running, receiver)
                await b.setup(users=n + rate * seconds + 10)
                # Warm-up: connections, templates, the first SMTP and HTTP connections.
                await b.burst_email(10, 0)
                await b.burst_webhook(10)
                email_rate = await b.burst_email(n, 10)
                email_ms = await b.paced_email(rate, seconds, 10 + n)
                hook_rate = await b.burst_webhook(n)
                hook_ms = await b.paced_webhook(rate, seconds)
    finally:
        receiver.server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        sink.controller.stop()
    return {
        "bus": "kafka" if kafka else "in-process",
        "burst": n,
        "paced_rate_per_s": rate,
        "paced_seconds": seconds,
        "email_per_s": round(email_rate, 1),
        "email_ms_p50": round(percentile(email_ms, 0.5), 1),
        "email_ms_p99": round(percentile(email_ms, 0.99), 1),
        "email_ms_mean": round(statistics.fmean(email_ms), 1),
        "smtp_messages": sink.count,
        "webhook_per_s": round(hook_rate, 1),
        "webhook_ms_p50": round(percentile(hook_ms, 0.5), 1),
        "webhook_ms_p99": round(percentile(hook_ms, 0.99), 1),
        "webhook_ms_mean": round(statistics.fmean(hook_ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="tests.benchmarks.notify")
    parser.add_argument(
        "--burst", type=int, default=2000, help="events per channel for the throughput figure"
    )
    parser.add_argument(
        "--rate", type=int, default=20, help="events per second in the latency phase (below the e-mail rate)"
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--local-bus", action="store_true", help="the in-process bus instead of Kafka")
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    r = asyncio.run(bench(args.burst, args.rate, args.seconds, kafka=not args.local_bus))
    sys.stdout.write(
        f"notify benchmark: notify-service on PostgreSQL, {r['bus']} bus; request event -> delivered\n"
        f"  e-mail (SMTP sink): {r['email_per_s']:,.0f} notifications/s over a burst of {r['burst']:,}; "
        f"at {r['paced_rate_per_s']}/s p50 {r['email_ms_p50']} ms, p99 {r['email_ms_p99']} ms "
        f"({r['smtp_messages']:,} messages reached the sink)\n"
        f"  webhook (HTTP receiver): {r['webhook_per_s']:,.0f} deliveries/s over a burst of {r['burst']:,}; "
        f"at {r['paced_rate_per_s']}/s p50 {r['webhook_ms_p50']} ms, p99 {r['webhook_ms_p99']} ms\n"
    )
    sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
