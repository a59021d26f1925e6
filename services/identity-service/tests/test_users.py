"""Users, memberships and the admin API, with authorisation by the tokens identity issues."""

from __future__ import annotations

from uuid import uuid4

from identity_harness import DISTRICT, PROVINCE, bearer
from sqlalchemy import func, select

from identity_service import models
from kit_bus.testing import publish
from kit_contracts import OrgCreated, OrgUpdated, Tier


async def test_an_admin_adds_a_user_once_the_agency_has_replicated(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    client = identity.client
    body = {"username": "an.nv", "full_name": "Nguyễn Văn An", "agency_id": str(uuid4())}

    assert (await client.post("/api/v1/users", json=body)).status_code == 401  # no token
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "not in the directory" in response.json()["detail"]

    district = await identity.agency(DISTRICT)
    body |= {
        "agency_id": str(district),
        "roles": ["clerk", "clerk", "leader"],
        "email": "An.NV@KimSon.NinhBinh.GOV.VN",
        "phone": "0912 345 678",
    }
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["full_name"] == "Nguyễn Văn An"
    assert (
        user["email"] == "An.NV@kimson.ninhbinh.gov.vn"
    )  # the domain is case-insensitive, the local part is not
    assert user["phone"] == "+84912345678"
    assert user["active"] is True
    assert user["has_password"] is False
    assert user["memberships"] == [
        {
            "agency_id": str(district),
            "agency_code": DISTRICT[0],
            "agency_name": DISTRICT[1],
            "roles": ["clerk", "leader"],
        }
    ]
    fetched = await client.get(f"/api/v1/users/{user['id']}", headers=bearer(admin))
    assert fetched.json() == user

    again = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert again.status_code == 409
    assert again.json()["type"].endswith("/username-taken")
    assert await identity.running.scalar(select(func.count()).select_from(models.User)) == 2
    created = await identity.outbox("identity.user.created.v1")
    assert [e["username"] for e in created] == ["quantri", "an.nv"]
    welcome = [e for e in await identity.outbox("notify.request.created.v1") if e["kind"] == "user.welcome"]
    assert len(welcome) == 2


async def test_users_cannot_join_an_inactive_agency(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    created = OrgCreated(
        org_id=uuid4(), code="000.00.20.H42", name="UBND huyện Hoa Lư (cũ)", tier=Tier.DISTRICT
    )
    await publish(identity.running.bus, [created, OrgUpdated(**created.model_dump() | {"active": False})])

    changes = select(func.count(), func.count(func.distinct(models.AgencyChange.event_id)))
    assert tuple((await identity.running.rows(changes))[0]) == (3, 3)  # each delivered twice, applied once
    body = {"username": "binh.tt", "full_name": "Trần Thị Bình", "agency_id": str(created.org_id)}
    assert (await identity.client.post("/api/v1/users", json=body, headers=bearer(admin))).status_code == 409


async def test_invalid_bodies_are_problems(identity):
    admin = await identity.admin(await identity.agency())
    response = await identity.client.post(
        "/api/v1/users", json={"username": "X", "full_name": "", "agency_id": "no"}, headers=bearer(admin)
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert {tuple(e["location"]) for e in problem["errors"]} >= {("body", "username"), ("body", "agency_id")}

    base = {"username": "cuong.lv", "full_name": "Lê Văn Cường", "agency_id": str(uuid4())}
    for field, value in (
        ("phone", "12345"),
        ("phone", "024 3825 3536"),  # a Hà Nội landline: no SMS there
        ("email", "not-an-address"),
        ("roles", ["janitor"]),
        ("roles", []),
    ):
        bad = await identity.client.post("/api/v1/users", json=base | {field: value}, headers=bearer(admin))
        assert bad.status_code == 422, (field, value, bad.text)


async def test_agency_admins_act_only_inside_their_agency(identity):
    province, district = await identity.agency(PROVINCE), await identity.agency(DISTRICT)
    root = await identity.admin(province)
    client = identity.client
    made = await client.post(
        "/api/v1/users",
        json={
            "username": "ks.quantri",
            "full_name": "Phạm Quản Trị",
            "agency_id": str(district),
            "roles": ["agency_admin"],
            "password": "Kim Sơn quản trị 2026",
        },
        headers=bearer(root),
    )
    assert made.status_code == 201, made.text
    _, local = await identity.enrol("ks.quantri", "Kim Sơn quản trị 2026")
    assert local["agency"]["code"] == DISTRICT[0]
    assert local["agency"]["roles"] == ["agency_admin"]

    def user(username, agency, roles=("clerk",)):
        return {"username": username, "full_name": username, "agency_id": str(agency), "roles": list(roles)}

    ok = await client.post("/api/v1/users", json=user("ks.vanthu", district), headers=bearer(local))
    assert ok.status_code == 201, ok.text
    clerk_id = ok.json()["id"]
    outside = await client.post("/api/v1/users", json=user("tinh.vanthu", province), headers=bearer(local))
    assert outside.status_code == 403
    assert outside.json()["type"].endswith("/not-allowed")
    escalate = await client.post(
        "/api/v1/users", json=user("ks.root", district, ("system_admin",)), headers=bearer(local)
    )
    assert escalate.status_code == 403

    province_user = (
        await client.post("/api/v1/users", json=user("tinh.chuyenvien", province), headers=bearer(root))
    ).json()
    for method, path in (
        ("GET", f"/api/v1/users/{province_user['id']}"),
        ("POST", f"/api/v1/users/{province_user['id']}/disable"),
        ("POST", f"/api/v1/users/{province_user['id']}/password-reset"),
        ("POST", f"/api/v1/users/{province_user['id']}/factors/reset"),
        ("GET", f"/api/v1/users/{province_user['id']}/lockout"),
        ("PUT", f"/api/v1/users/{province_user['id']}/memberships/{district}"),
    ):
        denied = await client.request(
            method, path, headers=bearer(local), json={"roles": ["clerk"]} if method == "PUT" else None
        )
        assert denied.status_code == 403, (method, path, denied.text)

    # A district user who also acts for the province is the system administrator's to manage.
    await client.put(
        f"/api/v1/users/{clerk_id}/memberships/{province}",
        json={"roles": ["specialist"]},
        headers=bearer(root),
    )
    assert (await client.post(f"/api/v1/users/{clerk_id}/disable", headers=bearer(local))).status_code == 403
    await client.delete(f"/api/v1/users/{clerk_id}/memberships/{province}", headers=bearer(root))
    assert (await client.post(f"/api/v1/users/{clerk_id}/disable", headers=bearer(local))).status_code == 200

    listed = await client.get("/api/v1/users", headers=bearer(local))
    assert {u["username"] for u in listed.json()} == {"ks.quantri", "ks.vanthu"}
    assert (await client.get(f"/api/v1/users?agency_id={province}", headers=bearer(local))).status_code == 403
    everyone = await client.get("/api/v1/users", headers=bearer(root))
    assert len(everyone.json()) == 4

    # Neither an ordinary user nor an agency admin can reach the system administrator.
    specialist = await identity.user("ks.chuyenvien", district)
    _secret, plain = await identity.enrol("ks.chuyenvien")
    assert (await client.get("/api/v1/users", headers=bearer(plain))).status_code == 403
    assert (
        await client.get(f"/api/v1/users/{specialist}", headers=bearer(plain))
    ).status_code == 200  # oneself
    me = (await client.get("/api/v1/users/me", headers=bearer(root))).json()
    assert (
        await client.post(f"/api/v1/users/{me['id']}/factors/reset", headers=bearer(local))
    ).status_code == 403


async def test_disable_ends_sessions_and_login_fails_like_a_wrong_password(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("dung.pt", province)
    secret, tokens = await identity.enrol("dung.pt")

    disabled = await identity.client.post(f"/api/v1/users/{user_id}/disable", headers=bearer(admin))
    assert disabled.status_code == 200
    assert disabled.json()["active"] is False
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
    refreshed = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401

    refused = await identity.login("dung.pt")
    wrong = await identity.login("no.such.user")
    assert refused.status_code == wrong.status_code == 401
    assert refused.json() == wrong.json()

    me = (await identity.client.get("/api/v1/users/me", headers=bearer(admin))).json()
    assert (
        await identity.client.post(f"/api/v1/users/{me['id']}/disable", headers=bearer(admin))
    ).status_code == 409
    enabled = await identity.client.post(f"/api/v1/users/{user_id}/enable", headers=bearer(admin))
    assert enabled.json()["active"] is True
    await identity.sign_in("dung.pt", secret)
    kinds = [e.kind for e in await identity.audit(user_id=user_id)]
    assert "user.disabled" in kinds
    assert "user.enabled" in kinds


async def test_roles_change_and_removal_end_sessions_for_that_agency(identity):
    province, district = await identity.agency(PROVINCE), await identity.agency(DISTRICT)
    admin = await identity.admin(province)
    user_id = await identity.user("giang.ht", district, ["specialist"])
    _, tokens = await identity.enrol("giang.ht")

    changed = await identity.client.put(
        f"/api/v1/users/{user_id}/memberships/{district}",
        json={"roles": ["leader", "clerk"]},
        headers=bearer(admin),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["memberships"][0]["roles"] == ["clerk", "leader"]
    # Access tokens carry roles until they expire; the next refresh picks up the change.
    refreshed = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.json()["agency"]["roles"] == ["clerk", "leader"]

    await identity.client.put(
        f"/api/v1/users/{user_id}/memberships/{province}",
        json={"roles": ["specialist"]},
        headers=bearer(admin),
    )
    removed = await identity.client.delete(
        f"/api/v1/users/{user_id}/memberships/{district}", headers=bearer(admin)
    )
    assert [m["agency_code"] for m in removed.json()["memberships"]] == [PROVINCE[0]]
    assert removed.json()["agency_id"] == str(province)  # the default agency moves with it
    gone = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
    )
    assert gone.status_code == 401
    audit = [e for e in await identity.audit(user_id=user_id) if e.kind == "roles.changed"]
    assert [(e.detail["before"], e.detail["after"]) for e in audit] == [
        (["specialist"], ["clerk", "leader"]),
        ([], ["specialist"]),
        (["clerk", "leader"], []),
    ]


async def test_reset_factors_means_enrolling_again(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("hoa.nt", province)
    old_secret, tokens = await identity.enrol("hoa.nt")

    reset = await identity.client.post(f"/api/v1/users/{user_id}/factors/reset", headers=bearer(admin))
    assert reset.status_code == 200
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
    challenge = (await identity.login("hoa.nt")).json()
    assert challenge["factors"] == []
    assert challenge["enroll"] == ["totp"]
    assert (await identity.verify(challenge, identity.code(old_secret))).status_code == 401
    new_secret, _ = await identity.enrol("hoa.nt")
    assert new_secret != old_secret
    assert "factor.reset" in [e.kind for e in await identity.audit(user_id=user_id)]


async def test_health_ready_metrics(identity):
    client = identity.client
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    metrics = (await client.get("/metrics")).text
    assert "bus_outbox_backlog" in metrics
    assert 'http_requests_total{method="GET",route="/readyz",status="200"}' in metrics


async def test_every_change_publishes_the_users_new_snapshot(identity):
    """notify-service resolves "the clerks of an agency" and addresses from these events alone."""
    province, district = await identity.agency(PROVINCE), await identity.agency(DISTRICT)
    admin = await identity.admin(province)
    created = await identity.client.post(
        "/api/v1/users",
        json={
            "username": "hanh.pt",
            "full_name": "Phạm Thị Hạnh",
            "agency_id": str(district),
            "roles": ["clerk"],
            "email": "hanh.pt@kimson.ninhbinh.gov.vn",
            "phone": "0912 000 111",
        },
        headers=bearer(admin),
    )
    user_id = created.json()["id"]
    [event] = [e for e in await identity.outbox("identity.user.created.v1") if e["username"] == "hanh.pt"]
    assert event["email"] == "hanh.pt@kimson.ninhbinh.gov.vn"
    assert event["phone"] == "+84912000111"
    assert event["active"] is True
    assert event["memberships"] == [{"org_id": str(district), "roles": ["clerk"]}]

    await identity.client.patch(
        f"/api/v1/users/{user_id}", json={"phone": "0987 654 321"}, headers=bearer(admin)
    )
    await identity.client.put(
        f"/api/v1/users/{user_id}/memberships/{province}", json={"roles": ["leader"]}, headers=bearer(admin)
    )
    await identity.client.post(f"/api/v1/users/{user_id}/disable", headers=bearer(admin))
    snapshots = [e for e in await identity.outbox("identity.user.updated.v1") if e["user_id"] == user_id]
    assert [(e["phone"], e["active"], e["memberships"]) for e in snapshots] == [
        ("+84987654321", True, [{"org_id": str(district), "roles": ["clerk"]}]),
        (
            "+84987654321",
            True,
            sorted(
                [
                    {"org_id": str(district), "roles": ["clerk"]},
                    {"org_id": str(province), "roles": ["leader"]},
                ],
                key=lambda m: m["org_id"],
            ),
        ),
        ("+84987654321", False, snapshots[-1]["memberships"]),
    ]
    assert len(snapshots[-1]["memberships"]) == 2
