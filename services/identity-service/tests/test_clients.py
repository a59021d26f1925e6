"""Machine clients: administrators register them, the client-credentials grant issues tokens other
services accept (with scopes and a rate), secrets rotate with a grace period, errors follow RFC 6749."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

from identity_harness import DISTRICT, PROVINCE, bearer

from kit_core import JwksVerifier, Principal

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def register(identity, admin, agency, scopes=("directory.read", "notifications.send"), **extra):
    response = await identity.client.post(
        "/api/v1/clients",
        json={"name": "Cổng dịch vụ công tỉnh", "agency_id": str(agency), "scopes": list(scopes), **extra},
        headers=bearer(admin),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def token(identity, data: dict[str, str], headers: dict[str, str] | None = None):
    return await identity.client.post("/api/v1/auth/token", data=data, headers=headers or {})


async def test_a_registered_client_gets_a_token_another_service_accepts(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    client = await register(identity, admin, province, rate_limit_per_minute=120)
    assert client["client_id"].startswith("cli_")
    assert len(client["client_secret"]) >= 40
    listed = await identity.client.get(f"/api/v1/clients/{client['id']}", headers=bearer(admin))
    assert "client_secret" not in listed.json()

    issued = await token(
        identity, {"grant_type": "client_credentials"}, basic(client["client_id"], client["client_secret"])
    )
    assert issued.status_code == 200, issued.text
    assert issued.headers["cache-control"] == "no-store"
    body = issued.json()
    assert body["token_type"] == "Bearer"  # noqa: S105
    assert body["expires_in"] == 600
    assert body["scope"] == "directory.read notifications.send"

    other_service = JwksVerifier(
        jwks_url="http://test/.well-known/jwks.json",
        issuer=identity.settings.jwt_issuer,
        audience=identity.settings.jwt_audience,
        http=identity.client,
    )
    principal = Principal.from_claims(await other_service.verify(body["access_token"]))
    assert principal.is_client
    assert principal.client_id == client["client_id"]
    assert principal.user_id is None
    assert principal.roles == frozenset()
    assert principal.scopes == {"directory.read", "notifications.send"}
    assert principal.rate_limit == 120
    assert str(principal.agency_id) == str(province)

    # client_secret_post, asking for less than it holds.
    narrowed = await token(
        identity,
        {
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "scope": "directory.read",
        },
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "directory.read"
    used = await identity.client.get(f"/api/v1/clients/{client['id']}", headers=bearer(admin))
    assert used.json()["last_used_at"] is not None


async def test_token_errors_are_rfc_6749_and_failures_are_audited(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    client = await register(identity, admin, province, scopes=["directory.read"])
    good = basic(client["client_id"], client["client_secret"])

    wrong = await token(identity, {"grant_type": "client_credentials"}, basic(client["client_id"], "sai"))
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_client", "error_description": "client authentication failed"}
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = await token(identity, {"grant_type": "client_credentials"}, basic("cli_khongco", "sai"))
    assert unknown.json() == wrong.json()  # an unknown client and a wrong secret look alike
    failed = [e for e in await identity.audit() if e.kind == "client.auth_failed"]
    assert [e.detail["reason"] for e in failed] == ["secret", "unknown"]

    cases = [
        ({"grant_type": "password"}, good, 400, "unsupported_grant_type"),
        ({}, good, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "scope": "notifications.send"}, good, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "client_secret": "x"}, good, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, {}, 401, "invalid_client"),
    ]
    for data, headers, status, error in cases:
        response = await token(identity, data, headers)
        assert (response.status_code, response.json()["error"]) == (status, error), data
    as_json = await identity.client.post(
        "/api/v1/auth/token", json={"grant_type": "client_credentials"}, headers=good
    )
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in as_json.json()["error_description"]


async def test_rotation_keeps_the_old_secret_for_the_grace_period_and_disable_stops_the_client(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    client = await register(identity, admin, province)
    rotated = await identity.client.post(f"/api/v1/clients/{client['id']}/secret", headers=bearer(admin))
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["client_secret"]
    assert new_secret != client["client_secret"]
    grant = {"grant_type": "client_credentials"}
    for secret in (new_secret, client["client_secret"]):
        assert (await token(identity, grant, basic(client["client_id"], secret))).status_code == 200

    await identity.client.post(f"/api/v1/clients/{client['id']}/disable", headers=bearer(admin))
    assert (await token(identity, grant, basic(client["client_id"], new_secret))).status_code == 401
    await identity.client.post(f"/api/v1/clients/{client['id']}/enable", headers=bearer(admin))
    assert (await token(identity, grant, basic(client["client_id"], new_secret))).status_code == 200

    identity.tick(identity.settings.client_secret_grace_seconds + 1)
    assert (
        await token(identity, grant, basic(client["client_id"], client["client_secret"]))
    ).status_code == 401
    assert (await token(identity, grant, basic(client["client_id"], new_secret))).status_code == 200
    kinds = [e.kind for e in await identity.audit() if e.kind.startswith("client.")]
    assert kinds == [
        "client.created",
        "client.secret_rotated",
        "client.disabled",
        "client.auth_failed",
        "client.enabled",
        "client.auth_failed",
    ]


async def test_administrators_manage_only_their_agencys_clients_and_only_known_scopes(identity):
    province, district = await identity.agency(PROVINCE), await identity.agency(DISTRICT)
    admin = await identity.admin(province)
    district_admin = await identity.admin(district, "giang.ht", ["agency_admin"])
    theirs = await register(identity, admin, province)

    body = {"name": "Phần mềm một cửa huyện", "agency_id": str(province), "scopes": ["directory.read"]}
    refused = await identity.client.post("/api/v1/clients", json=body, headers=bearer(district_admin))
    assert refused.status_code == 403
    own = await identity.client.post(
        "/api/v1/clients", json=body | {"agency_id": str(district)}, headers=bearer(district_admin)
    )
    assert own.status_code == 201, own.text
    listed = await identity.client.get("/api/v1/clients", headers=bearer(district_admin))
    assert [c["id"] for c in listed.json()] == [own.json()["id"]]
    other = await identity.client.get(f"/api/v1/clients/{theirs['id']}", headers=bearer(district_admin))
    assert other.status_code == 403

    bad = await identity.client.post(
        "/api/v1/clients",
        json=body | {"agency_id": str(district), "scopes": ["directory.read", "everything.write"]},
        headers=bearer(district_admin),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["unknown"] == ["everything.write"]
    assert len((await identity.client.get("/api/v1/clients", headers=bearer(admin))).json()) == 2
