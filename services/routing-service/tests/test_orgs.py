from uuid import uuid4

from kit_bus.testing import eventually

PROVINCE = {
    "code": "000.00.00.H42",
    "name": "Ủy ban nhân dân tỉnh Ninh Bình",
    "short_name": "UBND",
    "tier": "province",
}


async def tree(routing):
    """Ninh Bình → huyện Kim Sơn → (thị trấn Phát Diệm, Phòng Nội vụ), and Sở Nội vụ beside the district."""
    province = await routing.create(**PROVINCE)
    kim_son = await routing.create("000.00.15.H42", "Ủy ban nhân dân huyện Kim Sơn", "district", province)
    phat_diem = await routing.create(
        "000.01.15.H42", "Ủy ban nhân dân thị trấn Phát Diệm", "commune", kim_son
    )
    office = await routing.create("000.61.15.H42", "Phòng Nội vụ huyện Kim Sơn", "district", kim_son)
    so_noi_vu = await routing.create(
        "000.00.02.H42", "Sở Nội vụ tỉnh Ninh Bình", "province", province, short_name="SNV"
    )
    return province, kim_son, phat_diem, office, so_noi_vu


async def test_created_org_is_announced_after_commit(routing):
    response = await routing.client.post("/api/v1/orgs", json=PROVINCE)
    assert response.status_code == 201, response.text
    org = response.json()
    await eventually(lambda: len(routing.received) == 1)
    record = routing.received[0]
    assert record.headers["ce_type"] == "routing.org.created.v1"
    assert record.headers["ce_subject"] == org["id"]
    assert record.key == org["id"]
    assert b"Ninh B\xc3\xacnh" in record.value


async def test_rejected_org_announces_nothing(routing):
    client = routing.client
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
    await routing.settled(1)


async def test_request_id_and_trace_travel_with_the_event(routing):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await routing.client.post(
        "/api/v1/orgs",
        json={"code": "000.00.00.H42", "name": "UBND tỉnh Ninh Bình", "tier": "province"},
        headers={"X-Request-ID": "req-ninh-binh-1", "traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "req-ninh-binh-1"
    await eventually(lambda: len(routing.received) == 1)
    headers = routing.received[0].headers
    assert headers["ce_requestid"] == "req-ninh-binh-1"
    assert headers["ce_traceparent"].split("-")[1] == trace


async def test_codes_and_contacts_are_stored_normalised_and_announced(routing):
    created = await routing.create(
        "28.22.H17",
        "Ủy ban nhân dân xã Hòa Sơn",
        "commune",
        qd20_code="H17.22.28",
        short_name=" UBND ",
        address="Thôn Phú Thượng, xã Hòa Sơn, huyện Hòa Vang, thành phố Đà Nẵng",
        phone="+84 236 3846 123",
        email="ubndhoason@danang.gov.vn",
        website="https://hoavang.danang.gov.vn",
    )
    assert created["code"] == "000.28.22.H17"
    assert created["code_raw"] == "28.22.H17"
    assert created["short_name"] == "UBND"
    assert created["level"] == 3
    assert created["external"] is False
    assert created["active"] is True
    fetched = (await routing.client.get(f"/api/v1/orgs/{created['id']}")).json()
    assert fetched == created
    await routing.settled(1)
    [event] = routing.events("created")
    assert event["code"] == "000.28.22.H17"
    assert event["qd20_code"] == "H17.22.28"
    assert event["tier"] == "commune"


async def test_malformed_fields_are_422_problems_naming_the_field(routing):
    cases = {
        "qd20_code": "g09.20",
        "phone": "gọi văn thư",
        "email": "vanthu@",
        "website": "ninhbinh.gov.vn",
        "name": "   ",
        "tier": "ward",
    }
    for field, value in cases.items():
        response = await routing.client.post("/api/v1/orgs", json={**PROVINCE, field: value})
        assert response.status_code == 422, (field, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["errors"][0]["location"] == ["body", field]
    too_long = await routing.client.post("/api/v1/orgs", json={**PROVINCE, "qd20_code": "G09." + "1" * 32})
    assert too_long.status_code == 422
    unknown = await routing.client.post("/api/v1/orgs", json={**PROVINCE, "region": "Bắc Bộ"})
    assert unknown.status_code == 422
    website = await routing.client.post("/api/v1/orgs", json={**PROVINCE, "website": "ninhbinh.gov.vn"})
    assert "https://" in website.json()["errors"][0]["message"]
    assert (await routing.client.get("/api/v1/orgs")).json() == []


async def test_qd20_code_is_unique_when_present(routing):
    await routing.create(**PROVINCE, qd20_code="H42")
    await routing.create("000.00.02.H42", "Sở Nội vụ tỉnh Ninh Bình", "province")
    await routing.create("000.00.03.H42", "Sở Tài chính tỉnh Ninh Bình", "province")  # two without: fine
    taken = await routing.client.post(
        "/api/v1/orgs",
        json={"code": "000.00.04.H42", "name": "Sở Tư pháp", "tier": "province", "qd20_code": "H42"},
    )
    assert taken.status_code == 409
    assert (
        taken.json()["detail"]
        == "QĐ 20 code H42 is already used by Ủy ban nhân dân tỉnh Ninh Bình (000.00.00.H42)"
    )


async def test_lookup_by_either_code(routing):
    org = await routing.create(**PROVINCE, qd20_code="H42.01")
    for code in ("000.00.00.H42", "00.00.H42", "H42.01"):
        response = await routing.client.get(f"/api/v1/orgs/by-code/{code}")
        assert response.status_code == 200, (code, response.text)
        assert response.json()["id"] == org["id"]
    missing = await routing.client.get("/api/v1/orgs/by-code/000.00.00.H43")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/org-not-found")
    malformed = await routing.client.get("/api/v1/orgs/by-code/ninh bình")
    assert malformed.status_code == 422
    assert malformed.json()["type"].endswith("/malformed-agency-code")


async def test_search_ignores_tones_marks_and_case(routing):
    province, _kim_son, phat_diem, office, so_noi_vu = await tree(routing)
    dong_thanh = await routing.create(
        "000.01.09.H42", "Ủy ban nhân dân phường Đông Thành", "commune", short_name="UBND"
    )

    async def found(q):
        response = await routing.client.get("/api/v1/orgs", params={"q": q})
        assert response.status_code == 200
        return {o["id"] for o in response.json()}

    assert await found("ninh binh") == {province["id"], so_noi_vu["id"]}
    assert await found("dong") == {dong_thanh["id"]}
    assert await found("ĐÔNG THÀNH") == {dong_thanh["id"]}
    assert await found("Đông Thanh") == {dong_thanh["id"]}
    assert await found("phat diem") == {phat_diem["id"]}
    assert await found("kim son noi vu") == {office["id"]}  # every word, in any place
    assert await found("snv") == {so_noi_vu["id"]}  # short name
    assert await found("000.01.15") == {phat_diem["id"]}  # code
    assert await found("%") == set()  # LIKE wildcards are plain characters
    decomposed = "Phu\u031bo\u031b\u0300ng"  # "Phường" as macOS writes it (NFD)
    assert await found(decomposed) == {dong_thanh["id"]}


async def test_filters_and_pagination(routing):
    _province, kim_son, _phat_diem, office, _so_noi_vu = await tree(routing)
    await routing.create("000.00.00.G22", "Văn phòng Chính phủ", "central", external=True)

    async def codes(**params):
        response = await routing.client.get("/api/v1/orgs", params=params)
        assert response.status_code == 200, response.text
        return [o["code"] for o in response.json()], int(response.headers["x-total-count"])

    assert await codes(tier="district") == (["000.00.15.H42", "000.61.15.H42"], 2)
    assert await codes(parent_id=kim_son["id"]) == (["000.01.15.H42", "000.61.15.H42"], 2)
    assert await codes(external=True) == (["000.00.00.G22"], 1)
    assert (await codes(external=False))[1] == 5
    everything = [
        "000.00.00.G22",
        "000.00.00.H42",
        "000.00.02.H42",
        "000.00.15.H42",
        "000.01.15.H42",
        "000.61.15.H42",
    ]
    assert await codes(limit=2) == (everything[:2], 6)
    assert await codes(limit=2, offset=4) == (everything[4:], 6)
    assert (
        await routing.client.patch(f"/api/v1/orgs/{office['id']}", json={"active": False})
    ).status_code == 200
    assert await codes(active=False) == (["000.61.15.H42"], 1)
    assert await codes(active=True, tier="district") == (["000.00.15.H42"], 1)
    assert (await routing.client.get("/api/v1/orgs", params={"limit": 0})).status_code == 422
    assert (await routing.client.get("/api/v1/orgs", params={"tier": "ward"})).status_code == 422


async def test_subtree_over_three_levels(routing):
    province, kim_son, phat_diem, office, _so_noi_vu = await tree(routing)

    async def subtree(org, **params):
        response = await routing.client.get(f"/api/v1/orgs/{org['id']}/subtree", params=params)
        assert response.status_code == 200, response.text
        return [(o["code"], o["depth"]) for o in response.json()]

    assert await subtree(province) == [
        ("000.00.00.H42", 0),
        ("000.00.02.H42", 1),
        ("000.00.15.H42", 1),
        ("000.01.15.H42", 2),
        ("000.61.15.H42", 2),
    ]
    assert await subtree(province, tier="commune") == [("000.01.15.H42", 2)]
    assert await subtree(province, tier="province", include_self="false") == [("000.00.02.H42", 1)]
    assert await subtree(kim_son, include_self="false") == [("000.01.15.H42", 1), ("000.61.15.H42", 1)]
    assert await subtree(phat_diem) == [("000.01.15.H42", 0)]
    await routing.client.patch(f"/api/v1/orgs/{office['id']}", json={"active": False})
    assert await subtree(kim_son, active="true") == [("000.00.15.H42", 0), ("000.01.15.H42", 1)]
    missing = await routing.client.get(f"/api/v1/orgs/{uuid4()}/subtree")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_edit_publishes_the_new_state_once(routing):
    _province, _kim_son, phat_diem, _office, _so_noi_vu = await tree(routing)
    await routing.settled(5)
    response = await routing.client.patch(
        f"/api/v1/orgs/{phat_diem['id']}",
        json={
            "code": "01.15.H42",
            "qd20_code": "H42.15.01",
            "name": "Ủy ban nhân dân thị trấn Phát Diệm, huyện Kim Sơn",
            "short_name": "UBND TT",
            "address": "Phố Phát Diệm Đông, thị trấn Phát Diệm",
            "phone": "0229.3862.123",
            "email": "phatdiem@ninhbinh.gov.vn",
            "website": "http://phatdiem.kimson.ninhbinh.gov.vn",
            "external": True,
            "active": False,
        },
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["code"] == "000.01.15.H42"
    assert edited["code_raw"] == "01.15.H42"
    assert edited["qd20_code"] == "H42.15.01"
    assert edited["active"] is False
    assert edited["external"] is True
    assert edited["updated_at"] is not None
    assert edited["created_at"] == phat_diem["created_at"]
    await routing.settled(6)
    [event] = routing.events("updated")
    assert event["org_id"] == phat_diem["id"]
    assert event["name"] == "Ủy ban nhân dân thị trấn Phát Diệm, huyện Kim Sơn"
    assert (event["qd20_code"], event["short_name"], event["active"], event["external"]) == (
        "H42.15.01",
        "UBND TT",
        False,
        True,
    )
    found = await routing.client.get("/api/v1/orgs", params={"q": "huyen kim son phat diem"})
    assert [o["id"] for o in found.json()] == [phat_diem["id"]]
    found = await routing.client.get("/api/v1/orgs", params={"q": "H42.15"})
    assert [o["id"] for o in found.json()] == [phat_diem["id"]]

    same = await routing.client.patch(f"/api/v1/orgs/{phat_diem['id']}", json={"name": edited["name"]})
    assert same.status_code == 200
    cleared = await routing.client.patch(
        f"/api/v1/orgs/{phat_diem['id']}", json={"qd20_code": None, "website": "", "parent_id": None}
    )
    assert cleared.status_code == 200
    assert (cleared.json()["qd20_code"], cleared.json()["website"], cleared.json()["parent_id"]) == (
        None,
        None,
        None,
    )
    await routing.settled(7)  # the unchanged edit announced nothing

    for field in ("name", "code", "tier", "active"):
        refused = await routing.client.patch(f"/api/v1/orgs/{phat_diem['id']}", json={field: None})
        assert refused.status_code == 422, field
        assert refused.json()["errors"][0]["location"] == ["body", field]
    assert (await routing.client.patch(f"/api/v1/orgs/{uuid4()}", json={"active": False})).status_code == 404


async def test_edit_refuses_cycles_self_parenting_and_taken_codes(routing):
    province, kim_son, phat_diem, office, _so_noi_vu = await tree(routing)
    await routing.settled(5)

    async def patch(org, **body):
        return await routing.client.patch(f"/api/v1/orgs/{org['id']}", json=body)

    own = await patch(kim_son, parent_id=kim_son["id"])
    assert own.status_code == 409
    assert own.json()["type"].endswith("/parent-cycle")
    assert own.json()["detail"] == "Ủy ban nhân dân huyện Kim Sơn (000.00.15.H42) cannot be its own parent"

    below = await patch(province, parent_id=phat_diem["id"])
    assert below.status_code == 409
    assert below.json()["detail"] == (
        "Ủy ban nhân dân tỉnh Ninh Bình (000.00.00.H42) cannot be placed under "
        "Ủy ban nhân dân thị trấn Phát Diệm (000.01.15.H42), which is inside its own subtree"
    )
    taken = await patch(office, code="000.01.15.H42")
    assert taken.status_code == 409
    assert "Phát Diệm" in taken.json()["detail"]
    assert (await patch(office, parent_id=str(uuid4()))).status_code == 409
    await routing.client.patch(f"/api/v1/orgs/{province['id']}", json={"qd20_code": "H42"})
    assert (await patch(office, qd20_code="H42")).status_code == 409

    moved = await patch(office, parent_id=province["id"])  # a district office may sit under the province
    assert moved.status_code == 200
    await routing.settled(7)


async def test_tiers_never_sit_above_their_parent(routing):
    _province, kim_son, phat_diem, _office, so_noi_vu = await tree(routing)
    up = await routing.client.post(
        "/api/v1/orgs",
        json={"code": "000.62.15.H42", "name": "Sở ở huyện", "tier": "province", "parent_id": kim_son["id"]},
    )
    assert up.status_code == 409
    assert up.json()["type"].endswith("/tier-order")
    demote = await routing.client.patch(f"/api/v1/orgs/{kim_son['id']}", json={"tier": "commune"})
    assert demote.status_code == 409
    assert demote.json()["detail"] == (
        "Ủy ban nhân dân huyện Kim Sơn (000.00.15.H42) cannot become commune-tier: "
        "Phòng Nội vụ huyện Kim Sơn (000.61.15.H42) under it is district-tier"
    )
    raise_commune = await routing.client.patch(f"/api/v1/orgs/{phat_diem['id']}", json={"tier": "province"})
    assert raise_commune.status_code == 409
    promote = await routing.client.patch(f"/api/v1/orgs/{so_noi_vu['id']}", json={"tier": "district"})
    assert promote.status_code == 200
