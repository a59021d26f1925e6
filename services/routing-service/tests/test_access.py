"""Who may do what: every route needs a valid token; reading needs nothing more; creating and
importing need a system administrator; an agency administrator may edit only the contact details
of their own agency; groups belong to their agency (its users read, its clerks and agency
administrators manage)."""

from uuid import uuid4

import pytest

from kit_core.testing import REFUSED_CASES


async def by_code(routing, code):
    response = await routing.client.get(f"/api/v1/orgs/by-code/{code}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("case", REFUSED_CASES)
async def test_a_bad_token_is_refused_before_anything_happens(routing, case):
    running = routing.running
    headers = running.mint.refused(uuid4(), ["system_admin"])[case]
    for method, path, extra in (
        ("GET", "/api/v1/orgs", {}),
        ("POST", "/api/v1/orgs", {"json": {"code": "000.00.00.H42", "name": "UBND", "tier": "province"}}),
        ("POST", "/api/v1/orgs/import", {"content": b"code,name,tier\n000.00.00.H42,UBND,province\n"}),
        ("GET", f"/api/v1/orgs/{uuid4()}/groups", {}),
    ):
        response = await running.client.request(method, path, headers=headers, **extra)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        if case not in ("missing", "not a bearer token"):
            assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (await routing.client.get("/api/v1/orgs")).json() == []
    await routing.settled(0)


async def test_any_signed_in_user_reads_the_directory(routing):
    await routing.seed("small")
    province = await by_code(routing, "000.00.00.H42")
    reader = routing.running.client_for(uuid4(), ["specialist"])
    for path in (
        "/api/v1/orgs",
        "/api/v1/orgs/by-code/000.00.00.H42",
        f"/api/v1/orgs/{province['id']}",
        f"/api/v1/orgs/{province['id']}/subtree",
        "/api/v1/orgs/export.csv",
    ):
        response = await reader.get(path)
        assert response.status_code == 200, (path, response.text)


async def test_only_a_system_admin_creates_and_imports(routing):
    await routing.seed("small")
    await routing.settled(8)
    province = await by_code(routing, "000.00.00.H42")
    body = {"code": "000.00.16.H42", "name": "Ủy ban nhân dân huyện Yên Mô", "tier": "district"}
    csv = b"code,name,tier\n000.00.16.H42,Uy ban nhan dan huyen Yen Mo,district\n"
    for roles in (["agency_admin"], ["clerk", "leader"], ["specialist"]):
        user = routing.running.client_for(province["id"], roles)
        created = await user.post("/api/v1/orgs", json=body)
        assert created.status_code == 403, created.text
        assert created.json()["type"].endswith("/missing-role")
        assert created.json()["required_roles"] == ["system_admin"]
        imported = await user.post("/api/v1/orgs/import", content=csv, headers={"content-type": "text/csv"})
        assert imported.status_code == 403
    assert (await routing.client.get("/api/v1/orgs")).headers["x-total-count"] == "8"
    await routing.settled(8)  # nothing was announced either
    assert (await routing.client.post("/api/v1/orgs", json=body)).status_code == 201


async def test_an_agency_admin_edits_only_their_own_contact_details(routing):
    await routing.seed("small")
    kim_son = await by_code(routing, "000.00.15.H42")
    province = await by_code(routing, "000.00.00.H42")
    path = f"/api/v1/orgs/{kim_son['id']}"
    admin = routing.running.client_for(kim_son["id"], ["agency_admin"], agency_code="000.00.15.H42")

    contacts = {"phone": "0229 3862 123", "email": "vanthu@kimson.ninhbinh.gov.vn", "address": None}
    edited = await admin.patch(path, json=contacts)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["phone"], edited.json()["email"]) == (
        "0229 3862 123",
        "vanthu@kimson.ninhbinh.gov.vn",
    )

    renamed = await admin.patch(path, json={"name": "Huyện Kim Sơn mới", "phone": "0229 1111 222"})
    assert renamed.status_code == 403
    problem = renamed.json()
    assert problem["type"].endswith("/contact-details-only")
    assert problem["fields"] == ["name"]
    assert "system administrator" in problem["detail"]

    elsewhere = await admin.patch(f"/api/v1/orgs/{province['id']}", json={"phone": "0229 3871 105"})
    assert elsewhere.status_code == 403
    assert elsewhere.json()["type"].endswith("/other-agency")
    clerk = routing.running.client_for(kim_son["id"], ["clerk", "leader"])
    not_admin = await clerk.patch(path, json={"phone": "0229 3862 999"})
    assert not_admin.status_code == 403
    assert not_admin.json()["type"].endswith("/missing-role")
    assert set(not_admin.json()["required_roles"]) == {"system_admin", "agency_admin"}

    after = await by_code(routing, "000.00.15.H42")
    assert (after["name"], after["phone"]) == (kim_son["name"], "0229 3862 123")
    system = await routing.client.patch(path, json={"name": "Ủy ban nhân dân huyện Kim Sơn (mới)"})
    assert system.status_code == 200
    # A missing agency is 404 for a system administrator, 403 for anyone else (who learns nothing).
    assert (
        await routing.client.patch(f"/api/v1/orgs/{uuid4()}", json={"phone": "0229 3862 123"})
    ).status_code == 404
    assert (await admin.patch(f"/api/v1/orgs/{uuid4()}", json={"phone": "0229 3862 123"})).status_code == 403


async def test_groups_belong_to_their_agency(routing):
    await routing.seed("small")
    province = await by_code(routing, "000.00.00.H42")
    kim_son = await by_code(routing, "000.00.15.H42")
    so_noi_vu = await by_code(routing, "000.00.02.H42")
    groups = f"/api/v1/orgs/{province['id']}/groups"
    body = {"name": "Khối nội chính", "kind": "static", "members": [so_noi_vu["id"], kim_son["id"]]}

    def user(agency, *roles):
        return routing.running.client_for(agency["id"], roles)

    specialist = user(province, "specialist", "leader")
    refused = await specialist.post(groups, json=body)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/missing-role")
    assert set(refused.json()["required_roles"]) == {"clerk", "agency_admin", "system_admin"}

    clerk = user(province, "clerk")
    created = await clerk.post(groups, json=body)
    assert created.status_code == 201, created.text
    group = created.json()
    by_admin = await user(province, "agency_admin").post(groups, json=body | {"name": "Khối khác"})
    assert by_admin.status_code == 201

    for path in (groups, f"{groups}/{group['id']}", f"{groups}/{group['id']}/members"):
        assert (await specialist.get(path)).status_code == 200, path
        other = await user(kim_son, "clerk", "agency_admin").get(path)
        assert other.status_code == 403, path
        assert other.json()["type"].endswith("/other-agency")
        assert (await routing.client.get(path)).status_code == 200, path  # system administrator

    outsider = user(kim_son, "clerk")
    assert (await outsider.post(groups, json=body | {"name": "Của người khác"})).status_code == 403
    assert (await outsider.delete(f"{groups}/{group['id']}")).status_code == 403
    assert (await specialist.delete(f"{groups}/{group['id']}")).status_code == 403
    assert (await clerk.delete(f"{groups}/{group['id']}")).status_code == 204

    nowhere = f"/api/v1/orgs/{uuid4()}/groups"
    assert (await clerk.get(nowhere)).status_code == 403  # not 404: other agencies learn nothing
    assert (await routing.client.get(nowhere)).status_code == 404


async def test_openapi_tells_clients_about_tokens_and_refusals(routing):
    spec = (await routing.running.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operations = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/")
        for method, op in ops.items()
    ]
    assert len(operations) == 31
    for path, method, op in operations:
        assert op["security"] == [{"bearer": []}], (method, path)
        assert "401" in op["responses"], (method, path)
        assert op["description"], (method, path)
    writes = [(path, method, op) for path, method, op in operations if method != "get"]
    for path, method, op in writes:
        assert "403" in op["responses"], (method, path)
    assert "agency administrator" in spec["paths"]["/api/v1/orgs/{org_id}"]["patch"]["description"]
