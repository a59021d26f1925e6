"""The composition root every service shares: readiness tells what is down, metrics tell the bus."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager
from fastapi import APIRouter

from kit_bus import LocalBus
from kit_bus.service import create_service_app
from kit_core import ServiceSettings


async def test_readiness_names_the_unreachable_database_while_liveness_holds():
    settings = ServiceSettings(
        service_name="probe-service",
        env="test",
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
    )
    bus = LocalBus()
    await bus.start()
    app = create_service_app(settings, title="probe", description="", routers=[APIRouter()], bus=bus)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.headers["content-type"] == "application/problem+json"
            problem = ready.json()
            assert problem["detail"] == "probe-service: not reachable: database"
            assert problem["checks"]["bus"] == "ok"
            assert problem["checks"]["database"].startswith("failed: ")
            await bus.stop()
            assert (await client.get("/readyz")).json()[
                "detail"
            ] == "probe-service: not reachable: database, bus"
