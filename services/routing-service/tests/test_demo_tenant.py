import re
from collections import Counter

from routing_service.org.seed import FULL_LOCAL_UNITS, demo_tenant

QCVN102 = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}", re.ASCII)


def parent_by_level_rules(code: str) -> str | None:
    """QCVN 102, level 1 on the right: 000.MM.NN.H42 sits under 000.00.NN.H42, which sits under 000.00.00.H42."""
    v, z, y, m = code.split(".")
    assert v == "000"
    if z != "00":
        return f"000.00.{y}.{m}"
    if y != "00":
        return f"000.00.00.{m}"
    return None


def test_the_variants_as_data():
    full = demo_tenant("full")
    small = demo_tenant("small")
    assert len({o.code for o in full}) == len(full)
    assert {o.code for o in small} <= {o.code for o in full}
    assert len(small) == 8
    seen: set[str] = set()
    for org in full:  # each after its parent
        assert org.parent_code is None or org.parent_code in seen
        seen.add(org.code)


async def test_full_tenant_is_ninh_binh_in_492_units_plus_central_agencies(routing):
    assert await routing.seed("full") == 507
    assert await routing.seed("full") == 0
    response = await routing.client.get("/api/v1/orgs", params={"limit": 1000})
    assert response.headers["x-total-count"] == "507"
    orgs = response.json()
    by_id = {o["id"]: o for o in orgs}
    local = [o for o in orgs if not o["external"]]
    central = [o for o in orgs if o["external"]]
    assert len(local) == FULL_LOCAL_UNITS == 492
    assert Counter(o["tier"] for o in local) == {"province": 243, "district": 104, "commune": 145}
    assert len({o["code"] for o in orgs}) == len(orgs)
    assert all(QCVN102.fullmatch(o["code"]) and o["code_raw"] is None for o in orgs)

    for org in central:
        assert org["tier"] == "central"
        assert org["parent_id"] is None
        assert org["code"].startswith("000.00.00.G")
        assert org["qd20_code"] == org["code"][-3:]
    assert {"000.00.00.G22", "000.00.00.G09", "000.00.00.G12"} <= {o["code"] for o in central}

    [root] = [o for o in local if o["parent_id"] is None]
    assert root["code"] == "000.00.00.H42"
    assert root["name"] == "Ủy ban nhân dân tỉnh Ninh Bình"
    for org in local:
        assert org["code"].endswith(".H42")
        if org is root:
            continue
        parent = by_id[org["parent_id"]]
        assert parent["code"] == parent_by_level_rules(org["code"]), org
        assert org["level"] == (2 if parent is root else 3)
        if org["tier"] == "commune":
            assert parent["tier"] == "district"
            assert parent["parent_id"] == root["id"]
            assert org["name"].startswith("Ủy ban nhân dân ")
        elif org["tier"] == "district":
            assert parent is root or (parent["tier"] == "district" and parent["parent_id"] == root["id"])
        else:
            assert org["tier"] == "province"
            assert parent is root or (parent["tier"] == "province" and parent["parent_id"] == root["id"])

    districts = [o for o in local if o["tier"] == "district" and o["parent_id"] == root["id"]]
    assert sorted(o["name"] for o in districts) == sorted(
        f"Ủy ban nhân dân {place}"
        for place in (
            "thành phố Ninh Bình",
            "thành phố Tam Điệp",
            "huyện Nho Quan",
            "huyện Gia Viễn",
            "huyện Hoa Lư",
            "huyện Yên Khánh",
            "huyện Kim Sơn",
            "huyện Yên Mô",
        )
    )
    kim_son = next(o for o in districts if o["name"].endswith("Kim Sơn"))
    subtree = (
        await routing.client.get(f"/api/v1/orgs/{kim_son['id']}/subtree", params={"tier": "commune"})
    ).json()
    assert len(subtree) == 27
    for q, expected in (
        ("dong thanh", "Ủy ban nhân dân phường Đông Thành"),
        ("ninh binh so noi vu", "Sở Nội vụ tỉnh Ninh Bình"),
    ):
        found = (await routing.client.get("/api/v1/orgs", params={"q": q})).json()
        assert expected in {o["name"] for o in found}, q
    await routing.settled(507)
    assert len(routing.events("created")) == 507


async def test_small_tenant_grows_into_the_full_one(routing):
    assert await routing.seed("small") == 8
    assert await routing.seed("small") == 0
    small = (await routing.client.get("/api/v1/orgs")).json()
    assert {o["code"] for o in small} == {o.code for o in demo_tenant("small")}
    assert await routing.seed("full") == 499
    await routing.settled(507)
