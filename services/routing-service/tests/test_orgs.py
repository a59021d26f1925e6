from uuid import uuid4

import pytest

from kit_bus.testing import DIALECTS, eventually, service_under_test
from kit_contracts import OrgCreated
from routing_service import MIGRATIONS
from routing_service.app import create_app
from routing_service.config import Settings


@pytest.fixture(params=DIALECTS)
async def service(request, tmp_path):
    async with service_under_test(
        lambda url, bus: create_app(Settings(database_url=url, env="test", relay_poll_seconds=0.05), bus=bus),
        migrations=MIGRATIONS,
        dialect=request.param,
        name="routing",
        folder=tmp_path,
        redeliver=False,
    ) as running:
        received: list = []

        async def sink(records):
            received.extend(records)

        running.bus.subscribe("observer", [OrgCreated.topic], sink)
        yield running.client, received


async def test_created_org_is_announced_after_commit(service):
    client, received = service
    body = {
        "code": "000.00.00.H42",
        "name": "Ủy ban nhân dân tỉnh Ninh Bình",
        "short_name": "UBND",
        "tier": "province",
    }
    response = await client.post("/api/v1/orgs", json=body)
    assert response.status_code == 201, response.text
    org = response.json()
    await eventually(lambda: len(received) == 1)
    record = received[0]
    assert record.headers["ce_type"] == "routing.org.created.v1"
    assert record.headers["ce_subject"] == org["id"]
    assert record.key == org["id"]
    assert b"Ninh B\xc3\xacnh" in record.value


async def test_rejected_org_announces_nothing(service):
    client, received = service
    body = {"code": "000.00.00.H42", "name": "UBND tỉnh Ninh Bình", "tier": "province"}
    assert (await client.post("/api/v1/orgs", json=body)).status_code == 201
    duplicate = await client.post("/api/v1/orgs", json=body)
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == "agency code 000.00.00.H42 is already used by another agency"
    orphan = await client.post(
        "/api/v1/orgs", json={**body, "code": "000.00.02.H42", "parent_id": str(uuid4())}
    )
    assert orphan.status_code == 409
    malformed = await client.post("/api/v1/orgs", json={**body, "code": "H42"})
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["location"] == ["body", "code"]
    listed = (await client.get("/api/v1/orgs")).json()
    assert [o["code"] for o in listed] == ["000.00.00.H42"]
    await eventually(lambda: len(received) >= 1)
    assert len(received) == 1


async def test_request_id_and_trace_travel_with_the_event(service):
    client, received = service
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await client.post(
        "/api/v1/orgs",
        json={"code": "000.00.00.H42", "name": "UBND tỉnh Ninh Bình", "tier": "province"},
        headers={"X-Request-ID": "req-ninh-binh-1", "traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "req-ninh-binh-1"
    await eventually(lambda: len(received) == 1)
    headers = received[0].headers
    assert headers["ce_requestid"] == "req-ninh-binh-1"
    assert headers["ce_traceparent"].split("-")[1] == trace
