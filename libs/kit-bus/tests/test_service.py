"""The composition root every service shares: readiness tells what is down, metrics tell the bus."""

from __future__ import annotations

import asyncio

import httpx
from asgi_lifespan import LifespanManager
from fastapi import APIRouter
from sqlalchemy import func, insert, select

from kit_bus import LocalBus
from kit_bus.probe import MIGRATIONS, applied
from kit_bus.service import create_service_app
from kit_core import AppError, CurrentPrincipal, ServiceSettings, new_id
from kit_core.testing import TokenMint
from kit_db import SessionDep, upgrade


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


async def test_a_lost_race_on_a_unique_key_is_a_409_and_changes_nothing(tmp_path):
    router = APIRouter()
    probe_id = new_id()

    @router.post("/twice")
    async def twice(session: SessionDep) -> None:
        # As if another request had inserted the same key between our check and our write.
        await session.execute(insert(applied).values(id=1, event_id=probe_id, probe_id=probe_id, note="a"))
        await session.execute(insert(applied).values(id=1, event_id=probe_id, probe_id=probe_id, note="b"))

    url = f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3"
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    settings = ServiceSettings(service_name="probe-service", env="test", database_url=url)
    bus = LocalBus()
    await bus.start()
    app = create_service_app(settings, title="probe", description="", routers=[router], bus=bus)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/twice")
            assert response.status_code == 409
            assert response.json()["type"].endswith("/concurrent-change")
        async with manager._state["sessionmaker"]() as session:
            assert (await session.execute(select(func.count()).select_from(applied))).scalar_one() == 0


def whoami_router() -> APIRouter:
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(principal: CurrentPrincipal) -> dict[str, str]:
        return {"agency": str(principal.agency_id)}

    return router


async def test_the_lifespan_builds_a_verifier_from_the_settings_and_closes_its_client(tmp_path):
    settings = ServiceSettings(
        service_name="probe-service",
        env="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3",
        jwks_url="http://127.0.0.1:1/.well-known/jwks.json",  # nobody listens there
        jwt_issuer="https://identity.test",
    )
    bus = LocalBus()
    await bus.start()
    app = create_service_app(settings, title="probe", description="", routers=[whoami_router()], bus=bus)
    mint = TokenMint()
    async with LifespanManager(app) as manager:
        verifier = manager._state["jwks_verifier"]
        assert (verifier.jwks_url, verifier.issuer, verifier.audience) == (
            "http://127.0.0.1:1/.well-known/jwks.json",
            "https://identity.test",
            "egov",
        )
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/whoami")).status_code == 401
            unreachable = await client.get("/whoami", headers=mint.headers(new_id(), ["clerk"]))
            assert unreachable.status_code == 503  # keys cannot be fetched: unavailable, never open
            assert "cannot fetch signing keys" in unreachable.json()["detail"]
    assert verifier.http.is_closed
    await bus.stop()


async def test_an_injected_verifier_is_used_as_given(tmp_path):
    settings = ServiceSettings(
        service_name="probe-service", env="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3"
    )
    mint = TokenMint()
    bus = LocalBus()
    await bus.start()
    agency = new_id()
    app = create_service_app(
        settings, title="probe", description="", routers=[whoami_router()], bus=bus, verifier=mint.verifier()
    )
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/whoami", headers=mint.headers(agency, ["clerk"]))
            assert response.json() == {"agency": str(agency)}
            foreign = await client.get("/whoami", headers=TokenMint().headers(agency, ["clerk"]))
            assert foreign.status_code == 401
    await bus.stop()


class _Refused(AppError):
    status = 401
    title = "Refused"
    code = "refused"
    keeps_changes = True


async def test_a_refusal_that_keeps_changes_commits_them_and_still_answers_the_problem(tmp_path):
    router = APIRouter()

    @router.post("/refuse")
    async def refuse(session: SessionDep) -> None:
        probe = new_id()
        await session.execute(insert(applied).values(event_id=probe, probe_id=probe, note="failed attempt"))
        raise _Refused("wrong password")

    url = f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3"
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    settings = ServiceSettings(service_name="probe-service", env="test", database_url=url)
    bus = LocalBus()
    await bus.start()
    app = create_service_app(settings, title="probe", description="", routers=[router], bus=bus)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/refuse")
            assert response.status_code == 401
            assert response.json()["detail"] == "wrong password"
        async with manager._state["sessionmaker"]() as session:
            assert (await session.execute(select(func.count()).select_from(applied))).scalar_one() == 1


async def test_a_service_worker_runs_with_the_runtime_and_returns_when_it_stops(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3"
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    settings = ServiceSettings(service_name="probe-service", env="test", database_url=url)
    rounds: list[int] = []
    finished = asyncio.Event()

    async def sweeper(runtime) -> None:
        while True:
            async with runtime.sessionmaker() as session:
                rounds.append(
                    int((await session.execute(select(func.count()).select_from(applied))).scalar_one())
                )
            if await runtime.pause(30):  # far longer than the test: only stopping can end the pause
                finished.set()
                return

    bus = LocalBus()
    await bus.start()
    app = create_service_app(
        settings, title="probe", description="", routers=[APIRouter()], bus=bus, workers=[sweeper]
    )
    async with LifespanManager(app) as manager:
        runtime = manager._state["runtime"]
        assert [task.get_name() for task in runtime.tasks] == [
            "probe-service-outbox-relay",
            "probe-service-sweeper",
        ]
        for _ in range(100):
            if rounds:
                break
            await asyncio.sleep(0.01)
        assert rounds == [0]
        assert not finished.is_set()
    assert finished.is_set()  # it returned at its pause instead of being cancelled
    await bus.stop()


async def test_no_worker_runs_when_workers_are_off(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3"
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    settings = ServiceSettings(service_name="probe-service", env="test", database_url=url)
    started: list[str] = []

    async def sweeper(runtime) -> None:
        started.append("yes")

    bus = LocalBus()
    await bus.start()
    app = create_service_app(
        settings,
        title="probe",
        description="",
        routers=[APIRouter()],
        bus=bus,
        run_workers=False,
        workers=[sweeper],
    )
    async with LifespanManager(app):
        await asyncio.sleep(0.05)
    assert started == []
    await bus.stop()
