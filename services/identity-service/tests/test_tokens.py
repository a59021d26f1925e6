"""Access tokens every service can verify (kit_core.JwksVerifier over the JWKS endpoint), refresh
rotation and reuse detection, logout, switching agency, key rotation and pruning."""

from __future__ import annotations

import asyncio
import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from identity_harness import DISTRICT, PROVINCE, bearer

from identity_service.dependencies import Context
from identity_service.jwks.service import jwks as jwks_service
from kit_core import JwksVerifier, Principal, Unauthorized
from kit_core.testing import TokenMint


def verifier(identity, **options) -> JwksVerifier:
    """What another service runs: it fetches the JWKS over HTTP (here httpx.ASGITransport)."""
    return JwksVerifier(
        jwks_url="http://test/.well-known/jwks.json",
        issuer=identity.settings.jwt_issuer,
        audience=identity.settings.jwt_audience,
        http=identity.client,
        **options,
    )


async def signed_in(identity, username="an.nv", roles=("clerk",)):
    province = await identity.agency(PROVINCE)
    user_id = await identity.user(username, province, list(roles))
    secret, tokens = await identity.enrol(username)
    return user_id, secret, tokens


async def test_jwks_verifier_accepts_an_issued_token(identity):
    user_id, _, tokens = await signed_in(identity, roles=("clerk", "leader"))
    claims = await verifier(identity).verify(tokens["access_token"])
    assert claims["sub"] == str(user_id)
    assert claims["iss"] == identity.settings.jwt_issuer
    assert claims["aud"] == "egov"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["agency_code"] == PROVINCE[0]
    assert claims["agency_id"] == tokens["agency"]["id"]
    assert claims["roles"] == ["clerk", "leader"]
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["jti"]
    assert claims["sid"] == tokens["session_id"]
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"
    keys = (await identity.client.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["kid"] for k in keys] == [header["kid"]]
    assert keys[0]["kty"] == "OKP"
    assert keys[0]["crv"] == "Ed25519"
    assert "d" not in keys[0]


async def test_the_other_services_read_the_token_as_identity_means_it(identity):
    """kit_core.auth turns the claims into the principal every service authorises; kit_core.testing's
    TokenMint, which the services' own tests use instead of this service, mints the same shape."""
    user_id, _, tokens = await signed_in(identity, roles=("clerk", "leader"))
    claims = await verifier(identity).verify(tokens["access_token"])
    principal = Principal.from_claims(claims)
    assert principal.user_id == user_id
    assert principal.username == "an.nv"
    assert str(principal.agency_id) == tokens["agency"]["id"]
    assert principal.agency_code == PROVINCE[0]
    assert principal.roles == {"clerk", "leader"}
    assert str(principal.session_id) == tokens["session_id"]
    assert principal.may_act_for(principal.agency_id)
    mint = TokenMint()
    assert set(mint.claims()) == set(claims)
    assert (
        jwt.get_unverified_header(mint.token())["typ"]
        == jwt.get_unverified_header(tokens["access_token"])["typ"]
    )


@pytest.mark.parametrize("overrides", [{"signing_algorithm": "ES256"}])
async def test_es256_keys_work_as_well(identity):
    _, _, tokens = await signed_in(identity)
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "ES256"
    assert (await verifier(identity).verify(tokens["access_token"]))["amr"] == ["pwd", "otp"]
    key = (await identity.client.get("/.well-known/jwks.json")).json()["keys"][0]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert "d" not in key


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_tampered_and_foreign_tokens_are_refused(identity):
    _, _, tokens = await signed_in(identity)
    header_b64, payload_b64, signature = tokens["access_token"].split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    tampered = f"{header_b64}.{_b64(payload | {'roles': ['system_admin']})}.{signature}"
    header = jwt.get_unverified_header(tokens["access_token"])
    foreign_key = ed25519.Ed25519PrivateKey.generate()
    forged = jwt.encode(payload, foreign_key, algorithm="EdDSA", headers={"kid": header["kid"]})
    unknown = jwt.encode(payload, foreign_key, algorithm="EdDSA", headers={"kid": "someone-elses-key"})
    unsigned = f"{_b64({'alg': 'none', 'kid': header['kid']})}.{payload_b64}."

    check = verifier(identity, min_refetch_seconds=0)
    for token, message in (
        (tampered, "not valid"),
        (forged, "not valid"),
        (unknown, "unknown key"),
        (unsigned, "not valid"),
    ):
        with pytest.raises(Unauthorized, match=message):
            await check.verify(token)
        refused = await identity.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401, token
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 200


async def test_refresh_rotates_and_reuse_revokes_the_family(identity):
    user_id, _, first = await signed_in(identity)
    second = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["session_id"] == first["session_id"]
    third = (
        await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    ).json()

    # An attacker replays the first (spent) token: the whole family ends, the thief's and the user's.
    reused = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("/invalid-refresh-token")
    latest = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}
    )
    assert latest.status_code == 401
    ended = await identity.client.get("/api/v1/users/me", headers=bearer(third))
    assert ended.status_code == 401
    assert ended.json()["type"].endswith("/session-ended")
    reuse = [e for e in await identity.audit(user_id=user_id) if e.kind == "refresh.reused"]
    assert len(reuse) == 1
    assert reuse[0].detail["session_id"] == first["session_id"]
    # Another login is a new family and unaffected.
    assert (
        await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": "garbage"})
    ).status_code == 401


async def test_refresh_tokens_expire(identity):
    _, _, tokens = await signed_in(identity)
    identity.tick(identity.settings.refresh_token_ttl_seconds + 1)
    late = await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert late.status_code == 401


async def test_logout_revokes_the_session(identity):
    user_id, _, tokens = await signed_in(identity)
    out = await identity.client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    assert (
        await identity.client.post("/api/v1/auth/logout", json={"refresh_token": "unknown"})
    ).status_code == 204
    refresh = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
    assert [e.kind for e in await identity.audit(user_id=user_id)][-1] == "logout"


async def test_switch_agency_issues_tokens_for_another_membership(identity):
    province, district = await identity.agency(PROVINCE), await identity.agency(DISTRICT)
    admin = await identity.admin(province)
    user_id = await identity.user("binh.tt", province, ["leader"])
    await identity.client.put(
        f"/api/v1/users/{user_id}/memberships/{district}", json={"roles": ["clerk"]}, headers=bearer(admin)
    )
    _, tokens = await identity.enrol("binh.tt")
    assert tokens["agency"]["code"] == PROVINCE[0]
    assert [a["code"] for a in tokens["agencies"]] == [PROVINCE[0], DISTRICT[0]]

    switched = await identity.client.post(
        "/api/v1/auth/switch-agency", json={"agency_id": str(district)}, headers=bearer(tokens)
    )
    assert switched.status_code == 200, switched.text
    claims = await verifier(identity).verify(switched.json()["access_token"])
    assert (claims["agency_code"], claims["roles"], claims["amr"]) == (DISTRICT[0], ["clerk"], ["pwd", "otp"])
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
    old_refresh = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert old_refresh.status_code == 401

    other = await identity.agency(("000.00.02.H42", "Sở Nội vụ tỉnh Ninh Bình", PROVINCE[2]))
    outsider = await identity.client.post(
        "/api/v1/auth/switch-agency", json={"agency_id": str(other)}, headers=bearer(switched.json())
    )
    assert outsider.status_code == 403
    assert outsider.json()["type"].endswith("/not-a-member")


async def test_rotation_keeps_old_tokens_valid_until_they_expire(identity):
    _, secret, before = await signed_in(identity)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    ctx = Context.offline(identity.settings, identity.clock)
    async with identity.session() as session:
        new_key = await jwks_service.rotate(session, ctx)
    assert new_key.kid != old_kid

    published = [k["kid"] for k in (await identity.client.get("/.well-known/jwks.json")).json()["keys"]]
    assert published == [new_key.kid, old_kid]
    after = await identity.sign_in("an.nv", secret)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == new_key.kid
    for token in (before, after):
        await verifier(identity).verify(token["access_token"])
        assert (await identity.client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200

    async with identity.session() as session:
        assert await jwks_service.prune(session, ctx) == []  # its tokens may still be live
    identity.tick(identity.settings.access_token_ttl_seconds + identity.settings.token_leeway_seconds + 1)
    async with identity.session() as session:
        assert await jwks_service.prune(session, ctx) == [old_kid]
    published = [k["kid"] for k in (await identity.client.get("/.well-known/jwks.json")).json()["keys"]]
    assert published == [new_key.kid]
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier(identity).verify(before["access_token"])
    kinds = [e.kind for e in await identity.audit()]
    assert "key.rotated" in kinds
    assert "key.pruned" in kinds


async def test_access_tokens_expire_for_identity_itself(identity):
    _, _, tokens = await signed_in(identity)
    identity.tick(600 + 31)
    expired = await identity.client.get("/api/v1/users/me", headers=bearer(tokens))
    assert expired.status_code == 401
    assert "hết hạn" in expired.json()["detail"]
    # RFC 6750, as every service answers; the Vietnamese detail stays in the body, not the header.
    assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_two_refreshes_racing_with_one_token_end_the_family(identity):
    _, _, tokens = await signed_in(identity)
    body = {"refresh_token": tokens["refresh_token"]}
    first, second = await asyncio.gather(
        identity.client.post("/api/v1/auth/refresh", json=body),
        identity.client.post("/api/v1/auth/refresh", json=body),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 401]
    winner = first if first.status_code == 200 else second
    after = await identity.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": winner.json()["refresh_token"]}
    )
    assert after.status_code == 401  # strict: a reused token ends the family, even in a benign race
