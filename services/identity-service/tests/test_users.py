from uuid import uuid4

import pytest
from sqlalchemy import func, select

from identity_service import MIGRATIONS, models
from identity_service.app import create_app
from identity_service.config import Settings
from kit_bus.testing import DIALECTS, publish, service_under_test
from kit_contracts import OrgCreated, OrgUpdated, Tier


@pytest.fixture(params=DIALECTS)
async def service(request, tmp_path):
    async with service_under_test(
        lambda url, bus: create_app(Settings(database_url=url, env="test"), bus=bus),
        migrations=MIGRATIONS,
        dialect=request.param,
        name="identity",
        folder=tmp_path,
    ) as running:  # every event is delivered twice: the replica must not care
        yield running


def org(**overrides):
    data = {"org_id": uuid4(), "code": "000.00.00.H42", "name": "UBND tỉnh Ninh Bình", "tier": Tier.PROVINCE}
    return OrgCreated(**(data | overrides))


async def test_user_can_join_an_agency_once_it_has_replicated(service):
    client = service.client
    body = {"username": "an.nv", "full_name": "Nguyễn Văn An", "agency_id": str(uuid4())}
    response = await client.post("/api/v1/users", json=body)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "not in the directory" in response.json()["detail"]

    created = org()
    await publish(service.bus, [created])
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
    assert await service.scalar(select(func.count()).select_from(models.User)) == 1


async def test_replica_applies_each_directory_event_once(service):
    created = org()
    await publish(
        service.bus, [created, OrgUpdated(**created.model_dump() | {"active": False})]
    )  # each twice

    changes = select(func.count(), func.count(func.distinct(models.AgencyChange.event_id)))
    assert tuple((await service.rows(changes))[0]) == (2, 2)
    assert (
        await service.scalar(select(models.Agency.active).where(models.Agency.id == created.org_id)) is False
    )
    body = {"username": "binh.tt", "full_name": "Trần Thị Bình", "agency_id": str(created.org_id)}
    assert (await service.client.post("/api/v1/users", json=body)).status_code == 409


async def test_invalid_body_is_a_problem(service):
    response = await service.client.post(
        "/api/v1/users", json={"username": "X", "full_name": "", "agency_id": "no"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert {tuple(e["location"]) for e in problem["errors"]} >= {("body", "username"), ("body", "agency_id")}


async def test_health_ready_metrics(service):
    client = service.client
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    metrics = (await client.get("/metrics")).text
    assert "bus_outbox_backlog" in metrics
    assert 'http_requests_total{method="GET",route="/readyz",status="200"}' in metrics
