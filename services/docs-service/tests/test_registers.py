from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from docs_service import models
from kit_bus.testing import DIALECTS, publish
from kit_contracts import OrgCreated, OrgUpdated, Tier
from kit_core import FixedClock


def org(**overrides):
    data = {
        "org_id": uuid4(),
        "code": "000.00.00.H42",
        "name": "UBND tỉnh Ninh Bình",
        "short_name": "UBND Ninh Bình",
        "tier": Tier.PROVINCE,
    }
    return OrgCreated(**(data | overrides))


def member(service, agency_id, *roles):
    """A client acting for ``agency_id`` (a clerk unless ``roles`` say otherwise)."""
    return service.client_for(agency_id, roles or ["clerk"])


async def count_rows(service, model):
    return await service.scalar(select(func.count()).select_from(model))


def vietnam_year():
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year


async def test_a_new_agency_gets_its_two_registers_once(service):
    created = org()
    bus, client = service.bus, member(service, created.org_id)
    year_before = vietnam_year()
    await publish(
        bus, [created, OrgUpdated(**created.model_dump() | {"name": "Ủy ban nhân dân tỉnh Ninh Bình"})]
    )

    assert await count_rows(service, models.Agency) == 1
    assert await count_rows(service, models.Register) == 2

    response = await client.get("/api/v1/registers", params={"org_id": str(created.org_id)})
    assert response.status_code == 200, response.text
    registers = response.json()
    assert [(r["kind"], r["title"]) for r in registers] == [
        ("outgoing", "Sổ đăng ký văn bản đi"),
        ("incoming", "Sổ đăng ký văn bản đến"),
    ]
    assert {r["year"] for r in registers} <= {year_before, vietnam_year()}
    assert all(r["series"] == "administrative" and r["last_number"] == 0 for r in registers)
    assert all(r["agency_id"] == str(created.org_id) for r in registers)

    fetched = await client.get(f"/api/v1/registers/{registers[0]['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == registers[0]

    year = registers[0]["year"]
    this_year = await client.get("/api/v1/registers", params={"org_id": str(created.org_id), "year": year})
    assert len(this_year.json()) == 2
    next_year = await client.get(
        "/api/v1/registers", params={"org_id": str(created.org_id), "year": year + 1}
    )
    assert next_year.status_code == 200
    assert next_year.json() == []
    assert (await client.get("/api/v1/registers")).json() == registers  # the token's own agency


async def test_an_update_for_an_unseen_agency_opens_its_registers(service):
    first = OrgUpdated(**org().model_dump())
    bus, client = service.bus, member(service, first.org_id, "specialist")
    await publish(bus, [first, OrgUpdated(**first.model_dump() | {"short_name": "Ninh Bình"})])

    assert await count_rows(service, models.Agency) == 1
    assert await count_rows(service, models.Register) == 2
    response = await client.get("/api/v1/registers", params={"org_id": str(first.org_id)})
    assert len(response.json()) == 2


async def test_an_inactive_agency_gets_no_registers(service):
    closed = OrgUpdated(**org().model_dump() | {"active": False})
    bus, client = service.bus, member(service, closed.org_id, "leader")
    await publish(bus, [closed])

    assert await count_rows(service, models.Agency) == 1
    assert await count_rows(service, models.Register) == 0
    response = await client.get("/api/v1/registers", params={"org_id": str(closed.org_id)})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_year_is_vietnamese_time(start, dialect, tmp_path):
    clock = FixedClock(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))  # 00:30 on 1 January 2027 in Hà Nội
    async with start(dialect, tmp_path, clock=clock) as running:
        created = org()
        bus, client = running.bus, member(running, created.org_id)
        await publish(bus, [created])
        response = await client.get("/api/v1/registers", params={"org_id": str(created.org_id)})
        registers = response.json()
        assert [r["year"] for r in registers] == [2027, 2027]
        assert {datetime.fromisoformat(r["created_at"]) for r in registers} == {clock.now()}


async def test_unknown_agency_and_register_are_problems(service):
    client = member(service, uuid4(), "system_admin")
    org_id = uuid4()
    response = await client.get("/api/v1/registers", params={"org_id": str(org_id)})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Unknown agency"
    assert problem["type"].endswith("/unknown-agency")
    assert str(org_id) in problem["detail"]

    missing = await client.get(f"/api/v1/registers/{uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"].endswith("/register-not-found")


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"org_id": "nope"}, ("query", "org_id")),
        ({"org_id": str(uuid4()), "year": "năm nay"}, ("query", "year")),
        ({"org_id": str(uuid4()), "year": "20260"}, ("query", "year")),
    ],
)
async def test_bad_query_is_a_problem(service, params, location):
    client = member(service, uuid4())
    response = await client.get("/api/v1/registers", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["detail"].startswith(".".join(location))
    assert {tuple(e["location"]) for e in problem["errors"]} == {location}

    bad_id = await client.get("/api/v1/registers/not-a-uuid")
    assert bad_id.status_code == 422
    assert bad_id.json()["errors"][0]["location"] == ["path", "register_id"]
