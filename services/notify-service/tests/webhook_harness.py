"""A partner's webhook receiver for the notify suite: a real HTTP server (uvicorn) on a port reserved
up front, so it can be "down" (nothing listening: connections refused) and come up later; it answers
with the status a test sets, and remembers every request. Signatures are checked here with plain
``hmac``, independently of notify_service.webhook. (A uniquely named module.)"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


def signatures_valid(received: Received, secret: str) -> bool:
    """Standard Webhooks, written out: HMAC-SHA256 over "{id}.{timestamp}.{body}" with the bytes after
    ``whsec_``, base64, compared with each ``v1,`` entry of the header."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = (
        f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode() + received.body
    )
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    entries = [e.split(",", 1) for e in received.headers["webhook-signature"].split(" ")]
    return any(v == "v1" and hmac.compare_digest(sig, expected) for v, sig in entries)


@dataclass
class Receiver:
    status: int = 200
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused until start()
        self.port = int(self.sock.getsockname()[1])
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/vanban"

    def delivered(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.answered < 300]

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status = self.status
        self.requests.append(Received(headers=headers, body=body, answered=status))
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"not now"})

    async def start(self) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                interface="asgi3",
                lifespan="on",
                log_config=None,
                log_level="warning",
                http="h11",
                ws="none",
                timeout_graceful_shutdown=1,
            )
        )
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self.task.done():
                self.task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task
            self.server = self.task = None
        self.sock.close()
