"""The axis sandbox for tests: in process (httpx.ASGITransport) or under a real uvicorn on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from egov_gateway.axis import AxisClient, RetryPolicy
from egov_gateway.sandbox import Sandbox, SandboxConfig, SystemSpec, create_sandbox_app

SYSTEM = "000.00.00.H42"
SECRET = "test-secret-h42"  # noqa: S105
OTHER_SYSTEM = "000.00.00.H26"
OTHER_SECRET = "test-secret-h26"  # noqa: S105
ADMIN = {"X-Axis-Admin-Token": "test-admin"}


def sandbox_config(*, ack_delay: float = 0.02, max_package_bytes: int = 50 * 1024 * 1024) -> SandboxConfig:
    return SandboxConfig(
        systems={
            SYSTEM: SystemSpec(secret=SECRET, agencies=((SYSTEM, "UBND tỉnh Ninh Bình"),)),
            OTHER_SYSTEM: SystemSpec(
                secret=OTHER_SECRET, agencies=((OTHER_SYSTEM, "UBND thành phố Hà Nội"),)
            ),
        },
        admin_token=ADMIN["X-Axis-Admin-Token"],
        ack_delays=(ack_delay,) * 4,
        max_package_bytes=max_package_bytes,
    )


@dataclass
class RunningSandbox:
    app: FastAPI
    url: str
    transport: httpx.AsyncBaseTransport | None  # None: reach it over the network at url

    @property
    def state(self) -> Sandbox:
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox

    def client(
        self,
        *,
        system: str = SYSTEM,
        secret: str = SECRET,
        retry: RetryPolicy | None = None,
        **kwargs: object,
    ) -> AxisClient:
        return AxisClient(
            base_url=self.url,
            system_id=system,
            secret=secret,
            transport=self.transport,
            retry=retry or RetryPolicy(retries=0),
            **kwargs,  # type: ignore[arg-type]
        )

    def admin(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, transport=self.transport, headers=ADMIN)


@contextlib.asynccontextmanager
async def sandbox_in_process(config: SandboxConfig | None = None) -> AsyncIterator[RunningSandbox]:
    app = create_sandbox_app(config or sandbox_config())
    async with LifespanManager(app) as manager:
        yield RunningSandbox(app=app, url="http://axis.test", transport=httpx.ASGITransport(app=manager.app))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def sandbox_on_uvicorn(config: SandboxConfig | None = None) -> AsyncIterator[RunningSandbox]:
    app = create_sandbox_app(config or sandbox_config())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        assert server.started, "uvicorn did not start"
        yield RunningSandbox(app=app, url=f"http://127.0.0.1:{port}", transport=None)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


class LoseAnswers(httpx.AsyncBaseTransport):
    """The sandbox behind a network that fails the first ``count`` requests matching ``method`` and
    ``path_part`` with a 503: after the sandbox did the work (its answer lost), or, with
    ``reach=False``, before the request reaches it."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        method: str,
        path_part: str,
        count: int = 1,
        reach: bool = True,
    ) -> None:
        self.inner, self.method, self.path_part, self.count, self.reach = (
            inner,
            method,
            path_part,
            count,
            reach,
        )
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hit = request.method == self.method and self.path_part in request.url.path and self.lost < self.count
        if hit and not self.reach:
            self.lost += 1
            return httpx.Response(503, json={"title": "upstream unavailable"})
        response = await self.inner.handle_async_request(request)
        if hit:
            self.lost += 1
            await response.aread()
            return httpx.Response(503, json={"title": "gateway timeout upstream"})
        return response
