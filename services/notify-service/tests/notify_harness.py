"""The notify suite's harness: identity's user snapshots, requests, a real SMTP server (aiosmtpd),
a raw ASGI call for the SSE stream, and waiting for the worker. (A uniquely named module.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast
from uuid import UUID, uuid4

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from kit_bus.testing import ServiceUnderTest, eventually, publish
from kit_contracts import Membership, NotificationRequested, UserCreated, UserUpdated
from kit_core import FixedClock
from kit_db import make_engine
from notify_service import models
from notify_service.config import Settings
from notify_service.dependencies import NotifyState

FINAL = {"delivered", "permanent-failure"}


@dataclass
class Notify:
    running: ServiceUnderTest
    clock: FixedClock
    settings: Settings

    @property
    def client(self) -> httpx.AsyncClient:
        return self.running.client

    @property
    def bus(self) -> Any:
        return self.running.bus

    @property
    def state(self) -> NotifyState:
        return cast(NotifyState, self.running.app.state.notify)

    def as_user(
        self, user_id: UUID, roles: Iterable[str] = ("clerk",), agency: UUID | None = None
    ) -> httpx.AsyncClient:
        return self.running.client_for(agency or uuid4(), list(roles), user_id=user_id)

    def admin(self) -> httpx.AsyncClient:
        return self.running.client_for(uuid4(), ["system_admin"], preferred_username="quantri")

    def agency_admin(self, agency: UUID) -> httpx.AsyncClient:
        return self.running.client_for(agency, ["agency_admin"])

    async def user(
        self,
        *,
        email: str | None = "an.nv@ninhbinh.gov.vn",
        phone: str | None = "+84912345678",
        roles: dict[UUID, list[str]] | None = None,
        active: bool = True,
        user_id: UUID | None = None,
        full_name: str = "Nguyễn Văn An",
        updated: bool = False,
    ) -> UUID:
        """Publish identity's snapshot of a user and wait until the replica holds it."""
        user_id = user_id or uuid4()
        values: dict[str, Any] = {
            "user_id": user_id,
            "username": f"u{user_id.hex[:8]}",
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "active": active,
            "memberships": [Membership(org_id=o, roles=r) for o, r in (roles or {}).items()],
        }
        event = UserUpdated(**values) if updated else UserCreated(**values)
        await publish(self.bus, [event])

        async def stored() -> bool:
            rows = await self.running.rows(select(models.User.active).where(models.User.id == user_id))
            return bool(rows) and rows[0][0] == active

        await eventually(stored, within=10)
        return user_id

    async def request(self, **values: Any) -> NotificationRequested:
        data: dict[str, Any] = {
            "request_id": uuid4(),
            "kind": "user.welcome",
            "data": {"full_name": "Nguyễn Văn An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"},
            "idempotency_key": f"test:{uuid4()}",
            "channels": ["in_app"],  # e-mail and SMS only where a test asks (channels=None: by preference)
        }
        request = NotificationRequested(**(data | values))
        await publish(self.bus, [request])
        return request

    async def notification(self, key: str, *, within: float = 10) -> dict[str, Any]:
        """The notification recorded under ``key``, as the admin API shows it, once it exists."""
        admin = self.admin()

        async def found() -> dict[str, Any] | None:
            response = await admin.get("/api/v1/notifications", params={"limit": 200})
            assert response.status_code == 200, response.text
            return next((n for n in response.json() if n["idempotency_key"] == key), None)

        return cast(dict[str, Any], await eventually(found, within=within))

    async def settled(self, key: str, *, within: float = 10, statuses: set[str] = FINAL) -> dict[str, Any]:
        """The notification once every delivery's status is in ``statuses``."""
        admin = self.admin()
        first = await self.notification(key)

        async def done() -> dict[str, Any] | None:
            response = await admin.get(f"/api/v1/notifications/{first['id']}")
            body = response.json()
            return body if all(d["status"] in statuses for d in body["deliveries"]) else None

        return cast(dict[str, Any], await eventually(done, within=within))

    async def advance(self, delta: timedelta) -> None:
        """Move the clock and wake the worker (as its poll would)."""
        self.clock.advance(delta)
        self.state.wake.set()

    async def execute(self, stmt: Any) -> None:
        engine = make_engine(url=self.running.database_url, pool_size=1)
        try:
            async with engine.begin() as conn:
                await conn.execute(stmt)
        finally:
            await engine.dispose()

    async def force_sending(self, delivery_id: str, *, claimed_ago: timedelta) -> None:
        """Leave a delivery as a worker that crashed mid-send would."""
        await self.execute(
            update(models.Delivery)
            .where(models.Delivery.id == UUID(delivery_id))
            .values(status="sending", claimed_at=self.clock.now() - claimed_ago)
        )

    def mails(self) -> list[EmailMessage]:
        folder = self.settings.mail_folder
        if not folder.exists():
            return []
        return [
            cast(EmailMessage, message_from_bytes(p.read_bytes(), policy=policy.default))
            for p in sorted(folder.glob("*.eml"))
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _Handler:
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port; ``messages()`` parses what arrived."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Handler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def messages(self) -> list[EmailMessage]:
        return [
            cast(EmailMessage, message_from_bytes(raw, policy=policy.default))
            for _, _, raw in self.handler.received
        ]


def smtp_settings(sink: SmtpSink) -> dict[str, Any]:
    return {
        "mail_transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_timeout_seconds": 2,
    }


@contextlib.asynccontextmanager
async def sse(notify: Notify, headers: dict[str, str]) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """Open GET /api/v1/notifications/feed/stream as a raw ASGI call (httpx's ASGI transport waits for the
    whole body, which a stream never finishes); yields a queue of parsed events, disconnects on exit."""
    app = notify.client._transport.app  # type: ignore[attr-defined]  # the app with its lifespan state
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    status: asyncio.Future[tuple[int, dict[str, str]]] = asyncio.get_running_loop().create_future()
    disconnect = asyncio.Event()
    connected = asyncio.Event()  # the stream took its baseline: what is written from now on is new
    buffer = ""

    async def receive() -> dict[str, Any]:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal buffer
        if message["type"] == "http.response.start":
            status.set_result(
                (message["status"], {k.decode(): v.decode() for k, v in message.get("headers", [])})
            )
        elif message["type"] == "http.response.body":
            buffer += message.get("body", b"").decode()
            if ": connected" in buffer:
                connected.set()
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                fields: dict[str, str] = {}
                for line in block.split("\n"):
                    if line.startswith(":") or ":" not in line:
                        continue
                    name, value = line.split(":", 1)
                    fields[name] = value.removeprefix(" ")
                if "data" in fields:
                    events.put_nowait(
                        {"id": fields.get("id"), "event": fields.get("event"), **json.loads(fields["data"])}
                    )

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/notifications/feed/stream",
        "raw_path": b"/api/v1/notifications/feed/stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"test")],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))
    try:
        code, response_headers = await asyncio.wait_for(status, timeout=10)
        assert code == 200, code
        assert response_headers["content-type"].startswith("text/event-stream")
        await asyncio.wait_for(connected.wait(), timeout=10)
        yield events
    finally:
        disconnect.set()
        try:
            await asyncio.wait_for(task, timeout=5)
        except TimeoutError:
            task.cancel()
