from uuid import uuid4


async def by_code(routing, code):
    response = await routing.client.get(f"/api/v1/orgs/by-code/{code}")
    assert response.status_code == 200, response.text
    return response.json()


async def members(routing, owner, group):
    response = await routing.client.get(f"/api/v1/orgs/{owner['id']}/groups/{group['id']}/members")
    assert response.status_code == 200, response.text
    return [o["code"] for o in response.json()]


async def test_static_group_lifecycle(routing):
    await routing.seed("small")
    province = await by_code(routing, "000.00.00.H42")
    so_noi_vu = await by_code(routing, "000.00.02.H42")
    so_tai_chinh = await by_code(routing, "000.00.03.H42")
    kim_son = await by_code(routing, "000.00.15.H42")
    groups = f"/api/v1/orgs/{province['id']}/groups"
    body = {
        "name": "Khối nội chính",
        "description": "Các sở nhận văn bản về tổ chức, tài chính",
        "kind": "static",
        "members": [so_tai_chinh["id"], so_noi_vu["id"], kim_son["id"]],
    }
    created = await routing.client.post(groups, json=body)
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["owner_id"] == province["id"]
    assert group["kind"] == "static"
    assert group["rule"] is None
    assert group["members"] == [so_noi_vu["id"], so_tai_chinh["id"], kim_son["id"]]  # in code order
    assert (await routing.client.get(f"{groups}/{group['id']}")).json() == group
    assert (await routing.client.get(groups)).json() == [group]
    assert await members(routing, province, group) == ["000.00.02.H42", "000.00.03.H42", "000.00.15.H42"]

    await routing.client.patch(f"/api/v1/orgs/{so_tai_chinh['id']}", json={"active": False})
    assert await members(routing, province, group) == ["000.00.02.H42", "000.00.15.H42"]

    taken = await routing.client.post(groups, json=body)
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("/group-name-taken")
    elsewhere = await routing.client.post(f"/api/v1/orgs/{kim_son['id']}/groups", json=body)
    assert elsewhere.status_code == 201  # names are per owning agency
    assert (await routing.client.get(f"/api/v1/orgs/{kim_son['id']}/groups/{group['id']}")).status_code == 404

    deleted = await routing.client.delete(f"{groups}/{group['id']}")
    assert deleted.status_code == 204
    gone = await routing.client.get(f"{groups}/{group['id']}")
    assert gone.status_code == 404
    assert gone.json()["type"].endswith("/group-not-found")
    assert (await routing.client.delete(f"{groups}/{group['id']}")).status_code == 404
    assert (await routing.client.get(f"{groups}/{group['id']}/members")).status_code == 404
    assert (await routing.client.get(groups)).json() == []


async def test_group_validation(routing):
    await routing.seed("small")
    province = await by_code(routing, "000.00.00.H42")
    so_noi_vu = await by_code(routing, "000.00.02.H42")
    groups = f"/api/v1/orgs/{province['id']}/groups"

    async def refused(status, body, *, problem=None):
        response = await routing.client.post(groups, json=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        if problem:
            assert response.json()["type"].endswith(f"/{problem}")
        return response.json()

    twice = await refused(422, {"name": "A", "kind": "static", "members": [so_noi_vu["id"], so_noi_vu["id"]]})
    assert twice["errors"][0]["message"] == f"Value error, agency {so_noi_vu['id']} is listed twice"
    await refused(422, {"name": "A", "kind": "static", "members": []})
    await refused(422, {"name": "A", "kind": "dynamic"})
    await refused(
        422,
        {
            "name": "A",
            "kind": "static",
            "members": [so_noi_vu["id"]],
            "rule": {"type": "subtree", "node_id": province["id"]},
        },
    )
    await refused(
        422, {"name": "A", "kind": "dynamic", "rule": {"type": "tier_under", "node_id": province["id"]}}
    )
    await refused(
        422,
        {
            "name": "A",
            "kind": "dynamic",
            "rule": {"type": "subtree", "node_id": province["id"], "tier": "commune"},
        },
    )
    await refused(422, {"name": " ", "kind": "static", "members": [so_noi_vu["id"]]})
    await refused(
        422, {"name": "A", "kind": "dynamic", "rule": {"type": "everyone", "node_id": province["id"]}}
    )
    stranger = str(uuid4())
    unknown = await refused(
        409, {"name": "A", "kind": "static", "members": [so_noi_vu["id"], stranger]}, problem="unknown-member"
    )
    assert unknown["missing"] == [stranger]
    await refused(
        409,
        {"name": "A", "kind": "dynamic", "rule": {"type": "subtree", "node_id": stranger}},
        problem="unknown-rule-node",
    )
    not_district = await refused(
        409,
        {"name": "A", "kind": "dynamic", "rule": {"type": "communes_of_district", "node_id": province["id"]}},
        problem="rule-does-not-fit",
    )
    assert not_district["detail"].startswith(
        "Ủy ban nhân dân tỉnh Ninh Bình (000.00.00.H42) is province-tier"
    )
    kim_son = await by_code(routing, "000.00.15.H42")
    await refused(
        409,
        {
            "name": "A",
            "kind": "dynamic",
            "rule": {"type": "tier_under", "node_id": kim_son["id"], "tier": "province"},
        },
        problem="rule-does-not-fit",
    )
    nobody = await routing.client.post(
        f"/api/v1/orgs/{uuid4()}/groups", json={"name": "A", "kind": "static", "members": [so_noi_vu["id"]]}
    )
    assert nobody.status_code == 404
    assert (await routing.client.get(f"/api/v1/orgs/{uuid4()}/groups")).status_code == 404
    assert (await routing.client.get(groups)).json() == []


async def test_dynamic_groups_follow_the_directory(routing):
    await routing.seed("full")
    province = await by_code(routing, "000.00.00.H42")
    kim_son = await by_code(routing, "000.00.15.H42")
    groups = f"/api/v1/orgs/{province['id']}/groups"

    async def dynamic(name, rule):
        response = await routing.client.post(groups, json={"name": name, "kind": "dynamic", "rule": rule})
        assert response.status_code == 201, response.text
        group = response.json()
        assert group["members"] is None
        assert group["rule"]["node_id"] == rule["node_id"]
        return group

    communes = await dynamic(
        "Các xã, thị trấn huyện Kim Sơn", {"type": "communes_of_district", "node_id": kim_son["id"]}
    )
    districts = await dynamic(
        "Cấp huyện", {"type": "tier_under", "node_id": province["id"], "tier": "district"}
    )
    all_communes = await dynamic(
        "Toàn bộ cấp xã", {"type": "tier_under", "node_id": province["id"], "tier": "commune"}
    )
    whole = await dynamic("Huyện Kim Sơn và đơn vị trực thuộc", {"type": "subtree", "node_id": kim_son["id"]})
    assert communes["rule"] == {"type": "communes_of_district", "node_id": kim_son["id"], "tier": None}
    assert districts["rule"]["tier"] == "district"

    kim_son_communes = await members(routing, province, communes)
    assert len(kim_son_communes) == 27
    assert all(code.endswith(".15.H42") for code in kim_son_communes)
    assert len(await members(routing, province, districts)) == 104
    assert len(await members(routing, province, all_communes)) == 145
    subtree = await members(routing, province, whole)
    assert len(subtree) == 1 + 27 + 12
    assert "000.00.15.H42" in subtree

    phat_diem = await by_code(routing, "000.01.15.H42")
    await routing.client.patch(f"/api/v1/orgs/{phat_diem['id']}", json={"active": False})
    assert "000.01.15.H42" not in await members(routing, province, communes)
    assert len(await members(routing, province, all_communes)) == 144
    new_commune = await routing.create("000.28.15.H42", "Ủy ban nhân dân xã Kim Sơn 28", "commune", kim_son)
    assert new_commune["code"] in await members(routing, province, communes)
    listed = (await routing.client.get(groups)).json()
    assert {g["id"] for g in listed} == {communes["id"], districts["id"], all_communes["id"], whole["id"]}
