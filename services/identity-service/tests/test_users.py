from uuid import uuid4

import pytest

from identity_service import MIGRATIONS
from identity_service.agency.repository import AgencyRepository
from identity_service.app import create_app
from identity_service.config import Settings
from kit_bus import LocalBus
from kit_bus.testing import publish, running_app
from kit_contracts import OrgCreated, OrgUpdated, Tier
from kit_db import make_engine, make_sessionmaker


@pytest.fixture
async def service(tmp_path):
    bus = LocalBus(redeliver=True)  # every event arrives twice: the replica must not care
    await bus.start()
    url = f"sqlite+aiosqlite:///{tmp_path}/identity.sqlite3"
    settings = Settings(database_url=url, env="test")
    async with running_app(
        lambda: create_app(settings, bus=bus), database_url=url, migrations=MIGRATIONS
    ) as (
        app,
        client,
    ):
        yield bus, client, app


def org(**overrides):
    data = {"org_id": uuid4(), "code": "000.00.00.H42", "name": "UBND tỉnh Ninh Bình", "tier": Tier.PROVINCE}
    return OrgCreated(**(data | overrides))


async def test_user_can_join_an_agency_once_it_has_replicated(service):
    bus, client, _ = service
    body = {"username": "an.nv", "full_name": "Nguyễn Văn An", "agency_id": str(uuid4())}
    response = await client.post("/api/v1/users", json=body)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "not in the directory" in response.json()["detail"]

    created = org()
    await publish(bus, [created])
    body["agency_id"] = str(created.org_id)
    response = await client.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["full_name"] == "Nguyễn Văn An"
    fetched = await client.get(f"/api/v1/users/{user['id']}")
    assert fetched.json() == user

    again = await client.post("/api/v1/users", json=body)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/username-taken")


async def test_replica_applies_each_directory_event_once(service, tmp_path):
    bus, client, _ = service
    created = org()
    await publish(bus, [created, OrgUpdated(**created.model_dump() | {"active": False})])  # each delivered twice

    engine = make_engine(url=f"sqlite+aiosqlite:///{tmp_path}/identity.sqlite3")
    try:
        async with make_sessionmaker(engine)() as session:
            assert await AgencyRepository(session).change_counts() == (2, 2)
            agency = await AgencyRepository(session).get(created.org_id)
            assert agency is not None
            assert agency.active is False
    finally:
        await engine.dispose()
    body = {"username": "binh.tt", "full_name": "Trần Thị Bình", "agency_id": str(created.org_id)}
    assert (await client.post("/api/v1/users", json=body)).status_code == 409


async def test_invalid_body_is_a_problem(service):
    _, client, _ = service
    response = await client.post(
        "/api/v1/users", json={"username": "X", "full_name": "", "agency_id": "nope"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert {tuple(e["location"]) for e in problem["errors"]} >= {("body", "username"), ("body", "agency_id")}


async def test_health_ready_metrics(service):
    _, client, _ = service
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    metrics = (await client.get("/metrics")).text
    assert "bus_outbox_backlog" in metrics
    assert 'http_requests_total{method="GET",route="/readyz",status="200"}' in metrics
