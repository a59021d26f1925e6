from uuid import uuid4

import pytest
from sqlalchemy import func, select

from egov_gateway import MIGRATIONS, models
from egov_gateway.app import create_app
from egov_gateway.config import Settings
from kit_bus import inbox
from kit_bus.testing import DIALECTS, publish, service_under_test
from kit_contracts import OrgCreated, OrgUpdated, Tier
from kit_core.testing import REFUSED_CASES


@pytest.fixture(params=DIALECTS)
async def service(request, tmp_path):
    async with service_under_test(
        lambda url, bus, verifier: create_app(
            Settings(database_url=url, env="test"), bus=bus, verifier=verifier
        ),
        migrations=MIGRATIONS,
        dialect=request.param,
        name="egov",
        folder=tmp_path,
    ) as running:  # every event arrives twice: the routing table must not care
        yield running


def org(**overrides):
    data = {"org_id": uuid4(), "code": "000.00.00.H42", "name": "UBND tỉnh Ninh Bình", "tier": Tier.PROVINCE}
    return OrgCreated(**(data | overrides))


async def entries(service):
    return await service.rows(select(models.DirectoryEntry))


async def test_the_routing_table_follows_the_directory(service):
    bus, client = service.bus, service.client_for(uuid4(), ["specialist"])
    province = org()
    office = org(code="000.00.00.G22", name="Văn phòng Chính phủ", tier=Tier.CENTRAL, external=True)
    department = org(
        code="000.01.32.H42", name="Sở Nội vụ tỉnh Ninh Bình", tier=Tier.DISTRICT, parent_id=province.org_id
    )
    renamed = OrgUpdated(**department.model_dump() | {"name": "Sở Nội vụ Ninh Bình", "active": False})
    await publish(bus, [province, office, department, renamed])

    rows = {row.agency_id: row for row in await entries(service)}
    assert len(rows) == 3
    assert rows[department.org_id].name == "Sở Nội vụ Ninh Bình"
    assert rows[department.org_id].active is False
    assert rows[department.org_id].parent_id == province.org_id
    assert rows[office.org_id].external is True

    everything = (await client.get("/api/v1/exchange/agencies")).json()
    assert [e["code"] for e in everything] == ["000.00.00.G22", "000.00.00.H42", "000.01.32.H42"]

    axis = (await client.get("/api/v1/exchange/agencies", params={"external": "true"})).json()
    assert [e["agency_id"] for e in axis] == [str(office.org_id)]
    served = (await client.get("/api/v1/exchange/agencies", params={"external": "false"})).json()
    assert {e["agency_id"] for e in served} == {str(province.org_id), str(department.org_id)}

    by_name = (await client.get("/api/v1/exchange/agencies", params={"q": "ninh bình"})).json()
    assert [e["code"] for e in by_name] == ["000.00.00.H42", "000.01.32.H42"]
    by_code = (await client.get("/api/v1/exchange/agencies", params={"q": ".G2"})).json()
    assert [e["name"] for e in by_code] == ["Văn phòng Chính phủ"]
    wildcard = (await client.get("/api/v1/exchange/agencies", params={"q": "%"})).json()
    assert wildcard == []

    found = await client.get("/api/v1/exchange/agencies/000.00.00.G22")
    assert found.status_code == 200, found.text
    assert found.json() == {
        "agency_id": str(office.org_id),
        "code": "000.00.00.G22",
        "name": "Văn phòng Chính phủ",
        "tier": "central",
        "parent_id": None,
        "external": True,
        "active": True,
        "updated_at": found.json()["updated_at"],
    }


async def test_applying_each_event_twice_changes_nothing(service):
    bus = service.bus
    created = org()
    await publish(bus, [created, OrgUpdated(**created.model_dump() | {"external": True})])

    [entry] = await entries(service)
    assert (entry.agency_id, entry.external, entry.active) == (created.org_id, True, True)
    claimed = await service.rows(select(inbox.c.consumer, func.count()).group_by(inbox.c.consumer))
    assert claimed == [("egov-gateway", 2)]  # four deliveries, two events applied


async def test_unknown_and_malformed_codes_are_problems(service):
    client = service.client_for(uuid4(), ["clerk"])
    unknown = await client.get("/api/v1/exchange/agencies/000.00.00.Z99")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["type"].endswith("/agency-not-found")
    assert "000.00.00.Z99" in unknown.json()["detail"]

    # The last is in Arabic-Indic digits, which a plain \d would accept.
    for code in ("G22", "000.00.00.g22", "000.00.00.G220", "000-00-00-G22", "\u0660\u0660\u0660.00.00.G22"):
        malformed = await client.get(f"/api/v1/exchange/agencies/{code}")
        assert malformed.status_code == 422, code
        assert malformed.headers["content-type"] == "application/problem+json"
        problem = malformed.json()
        assert problem["type"].endswith("/malformed-agency-code")
        assert "000.00.00.G22" in problem["detail"]
        assert problem["pattern"] == r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"external": "maybe"}, ["query", "external"]),
        ({"q": ""}, ["query", "q"]),
        ({"q": "x" * 101}, ["query", "q"]),
    ],
)
async def test_bad_query_is_a_problem(service, params, location):
    client = service.client_for(uuid4(), ["leader"])
    response = await client.get("/api/v1/exchange/agencies", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(".".join(location))
    assert [e["location"] for e in response.json()["errors"]] == [location]


@pytest.mark.parametrize("case", REFUSED_CASES)
async def test_a_bad_token_is_refused(service, case):
    await publish(service.bus, [org()])
    headers = service.mint.refused(uuid4(), ["system_admin"])[case]
    for path in ("/api/v1/exchange/agencies", "/api/v1/exchange/agencies/000.00.00.H42"):
        response = await service.client.get(path, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "roles", [["specialist"], ["clerk"], ["leader"], ["agency_admin"], ["system_admin"], []]
)
async def test_any_signed_in_user_reads_the_routing_table(service, roles):
    province = org()
    await publish(service.bus, [province])
    client = service.client_for(uuid4(), roles)  # of any agency, even one not in the table
    assert [e["code"] for e in (await client.get("/api/v1/exchange/agencies")).json()] == ["000.00.00.H42"]
    assert (await client.get("/api/v1/exchange/agencies/000.00.00.H42")).status_code == 200


async def test_openapi_declares_tokens(service):
    spec = (await service.client.get("/openapi.json")).json()
    for path in ("/api/v1/exchange/agencies", "/api/v1/exchange/agencies/{code}"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"bearer": []}]
        assert "401" in operation["responses"]
        assert "signed-in user" in operation["description"]
