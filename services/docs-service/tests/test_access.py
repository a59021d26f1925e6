"""Registers are an agency's own: its users (any role) see them, a system administrator sees any
agency's, everyone else gets 403; every route needs a valid token."""

from uuid import uuid4

import pytest

from kit_bus.testing import publish
from kit_contracts import OrgCreated, Tier
from kit_core.testing import REFUSED_CASES


@pytest.fixture
async def two_agencies(service):
    province = OrgCreated(
        org_id=uuid4(), code="000.00.00.H42", name="UBND tỉnh Ninh Bình", tier=Tier.PROVINCE
    )
    district = OrgCreated(
        org_id=uuid4(),
        code="000.00.15.H42",
        name="UBND huyện Kim Sơn",
        tier=Tier.DISTRICT,
        parent_id=province.org_id,
    )
    await publish(service.bus, [province, district])
    return province.org_id, district.org_id


async def registers_of(service, agency_id):
    admin = service.client_for(uuid4(), ["system_admin"])
    return (await admin.get("/api/v1/registers", params={"org_id": str(agency_id)})).json()


@pytest.mark.parametrize("case", REFUSED_CASES)
async def test_a_bad_token_is_refused(service, two_agencies, case):
    province, _ = two_agencies
    [register, _] = await registers_of(service, province)
    headers = service.mint.refused(province, ["clerk"])[case]
    for path, params in (
        ("/api/v1/registers", {"org_id": str(province)}),
        ("/api/v1/registers", {}),
        (f"/api/v1/registers/{register['id']}", {}),
    ):
        response = await service.client.get(path, params=params, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["clerk", "leader", "specialist", "agency_admin"])
async def test_any_role_of_the_agency_sees_its_registers_and_no_others(service, two_agencies, role):
    province, district = two_agencies
    mine = await registers_of(service, province)
    theirs = await registers_of(service, district)
    client = service.client_for(province, [role])

    assert (await client.get("/api/v1/registers", params={"org_id": str(province)})).json() == mine
    assert (await client.get("/api/v1/registers")).json() == mine  # the token's agency by default
    assert (await client.get(f"/api/v1/registers/{mine[0]['id']}")).json() == mine[0]

    listed = await client.get("/api/v1/registers", params={"org_id": str(district)})
    assert listed.status_code == 403
    assert listed.json()["type"].endswith("/other-agency")
    assert listed.json()["agency_id"] == str(district)
    fetched = await client.get(f"/api/v1/registers/{theirs[0]['id']}")
    assert fetched.status_code == 403
    assert fetched.json()["type"].endswith("/other-agency")
    # An agency unknown here is 403 too for an ordinary user: they learn nothing about it.
    assert (await client.get("/api/v1/registers", params={"org_id": str(uuid4())})).status_code == 403


async def test_a_system_admin_sees_every_agency(service, two_agencies):
    province, district = two_agencies
    admin = service.client_for(district, ["system_admin"])
    for agency in (province, district):
        registers = (await admin.get("/api/v1/registers", params={"org_id": str(agency)})).json()
        assert {r["agency_id"] for r in registers} == {str(agency)}
        assert (await admin.get(f"/api/v1/registers/{registers[0]['id']}")).status_code == 200


async def test_openapi_declares_tokens_and_refusals(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path in ("/api/v1/registers", "/api/v1/registers/{register_id}"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"bearer": []}]
        assert {"401", "403"} <= set(operation["responses"])
        assert "system administrator" in operation["description"]
