"""Real servers for the SMS tests: each app is served by uvicorn on a socket bound to a free port
before the apps are built, so simulators and the receipts endpoint can name each other's URLs."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from kit_core import FixedClock, install_error_handlers
from notify_service.sms import (
    BrandnameProvider,
    GenericHttpProvider,
    HealthPolicy,
    SmsRouter,
    health_router,
    receipts_router,
)
from notify_service.sms.simulator import Behaviour, SimulatorConfig, create_simulator

API_KEY = SecretStr("generic-api-key")
PASSWORD = SecretStr("brandname-password")
RECEIPT_SECRET_A = SecretStr("receipts-from-a")
RECEIPT_SECRET_B = SecretStr("receipts-from-b")
ADMIN_TOKEN = "simulator-admin"  # noqa: S105 - test data
BRANDNAME = "UBND-NINHBINH"
RECEIPTS = "/api/v1/notifications/sms/receipts"


def reserve() -> tuple[socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serve(*apps: tuple[Any, socket.socket]) -> AsyncIterator[None]:
    """Serve each (app, socket) with uvicorn; all start and stop together."""
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                lifespan="on",
                log_config=None,
                log_level="warning",
                http="h11",
                ws="none",
                timeout_graceful_shutdown=1,
            )
        )
        for app, _ in apps
    ]
    tasks = [
        asyncio.create_task(server.serve(sockets=[sock]))
        for server, (_, sock) in zip(servers, apps, strict=True)
    ]
    try:
        while not all(server.started for server in servers):
            for task in tasks:
                if task.done():
                    task.result()
                    raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.005)
        yield
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for _, sock in apps:
            sock.close()


@dataclass
class Received:
    """What the receipt callback saw, and a way to wait for it."""

    items: list[tuple[str, bool, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def callback(self, reference: str, delivered: bool, detail: str) -> None:
        self.items.append((reference, delivered, detail))
        self.changed.set()

    async def wait_for(self, reference: str, within: float = 5.0) -> tuple[str, bool, str]:
        async with asyncio.timeout(within):
            while True:
                for item in self.items:
                    if item[0] == reference:
                        return item
                self.changed.clear()
                await self.changed.wait()


@dataclass
class World:
    """Two simulators (A speaks the generic protocol, B the brand-name one), the receipts endpoint,
    and the router in front of them, on a clock the test moves."""

    router: SmsRouter
    clock: FixedClock
    sim_a: str
    sim_b: str
    receipts_url: str
    http: httpx.AsyncClient
    received: Received
    provider_a: GenericHttpProvider
    provider_b: BrandnameProvider

    async def behave(self, sim: str, **changes: Any) -> dict[str, Any]:
        response = await self.http.put(f"{sim}/admin/behaviour", json=changes, headers=admin())
        response.raise_for_status()
        return dict(response.json())

    async def messages(self, sim: str) -> list[dict[str, Any]]:
        response = await self.http.get(f"{sim}/messages", headers=admin())
        response.raise_for_status()
        return list(response.json())


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


POLICY = HealthPolicy(
    window_seconds=60,
    max_errors=3,
    max_error_ratio=1.0,
    min_samples=3,
    slow_p90_ms=1000,
    cooldown_seconds=30,
    probe_interval_seconds=5,
    recovery_probes=2,
)


@asynccontextmanager
async def world(
    *,
    policy: HealthPolicy = POLICY,
    timeout_seconds: float = 2.0,
    unicode: bool = True,
    receipt_delay_ms: float = 50,
) -> AsyncIterator[World]:
    sock_a, url_a = reserve()
    sock_b, url_b = reserve()
    sock_r, url_r = reserve()
    behaviour = Behaviour(receipt_delay_ms=receipt_delay_ms)
    sim_a = create_simulator(
        SimulatorConfig(
            api_key=API_KEY,
            generic_callback_url=f"{url_r}{RECEIPTS}/a",
            receipt_token=RECEIPT_SECRET_A,
            admin_token=SecretStr(ADMIN_TOKEN),
            behaviour=behaviour,
        )
    )
    sim_b = create_simulator(
        SimulatorConfig(
            username="ninhbinh",
            password=PASSWORD,
            brandnames=[BRANDNAME],
            brandname_callback_url=f"{url_r}{RECEIPTS}/b",
            receipt_token=RECEIPT_SECRET_B,
            admin_token=SecretStr(ADMIN_TOKEN),
            behaviour=behaviour,
        )
    )
    clock = FixedClock(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    received = Received()
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient())
        provider_a = GenericHttpProvider(
            name="a",
            http=http,
            base_url=f"{url_a}/generic",
            api_key=API_KEY,
            receipt_secret=RECEIPT_SECRET_A,
            timeout_seconds=timeout_seconds,
        )
        provider_b = BrandnameProvider(
            name="b",
            http=http,
            base_url=f"{url_b}/brandname",
            username="ninhbinh",
            password=PASSWORD,
            brandname=BRANDNAME,
            unicode=unicode,
            receipt_secret=RECEIPT_SECRET_B,
            timeout_seconds=timeout_seconds,
        )
        router = SmsRouter([provider_a, provider_b], policy=policy, clock=clock, max_attempts=3)
        router.on_receipt(received.callback)
        receipts_app = FastAPI()
        install_error_handlers(receipts_app)
        receipts_app.include_router(receipts_router(router))
        receipts_app.include_router(health_router(router))
        await stack.enter_async_context(serve((receipts_app, sock_r), (sim_a, sock_a), (sim_b, sock_b)))
        yield World(router, clock, url_a, url_b, url_r, http, received, provider_a, provider_b)
