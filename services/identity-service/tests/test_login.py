"""Two-step login over HTTP, with codes from the test's own RFC 6238 implementation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity_harness import PASSWORD, bearer
from identity_rfc6238 import code as totp_code


async def test_first_login_enrols_totp_then_password_and_code_give_tokens(identity):
    agency_id = await identity.agency()
    user_id = await identity.user("an.nv", agency_id, ["clerk", "leader"])

    first = await identity.login("an.nv")
    assert first.status_code == 200, first.text
    challenge = first.json()
    assert challenge["factors"] == []
    assert challenge["enroll"] == ["totp"]

    enrolment = (
        await identity.client.post(
            "/api/v1/auth/login/totp", json={"challenge_id": challenge["challenge_id"]}
        )
    ).json()
    assert enrolment["uri"].startswith("otpauth://totp/")
    assert f"secret={enrolment['secret']}" in enrolment["uri"]
    assert enrolment["qr_png"].startswith("data:image/png;base64,")
    assert "<svg" in enrolment["qr_svg"]
    assert (enrolment["algorithm"], enrolment["digits"], enrolment["period"]) == ("SHA1", 6, 30)

    wrong = await identity.verify(
        challenge, "000000" if identity.code(enrolment["secret"]) != "000000" else "111111"
    )
    assert wrong.status_code == 401
    tokens = await identity.verify(challenge, identity.code(enrolment["secret"]))
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer"  # noqa: S105 - the OAuth token type
    assert body["amr"] == ["pwd", "otp"]
    assert body["agency"]["code"] == "000.00.00.H42"
    assert body["agency"]["roles"] == ["clerk", "leader"]

    # From now on the factor is known: login offers it, and no enrolment.
    again = await identity.login("an.nv")
    assert again.json()["factors"] == ["totp"]
    assert again.json()["enroll"] == []

    me = await identity.client.get("/api/v1/users/me", headers=bearer(body))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(user_id)
    kinds = [e.kind for e in await identity.audit(user_id=user_id)]
    assert kinds == [
        "user.created",
        "login.password_accepted",
        "login.failed",  # the wrong code
        "factor.enrolled",
        "login.succeeded",
        "login.password_accepted",
    ]


async def test_code_is_accepted_within_one_step_either_side_and_not_beyond(identity):
    agency_id = await identity.agency()
    await identity.user("binh.tt", agency_id)
    secret, _ = await identity.enrol("binh.tt")

    for offset, accepted in ((-30, True), (+30, True), (-90, False), (+90, False)):
        identity.tick(120)
        challenge = (await identity.login("binh.tt")).json()
        code = totp_code(secret, identity.clock.now() + timedelta(seconds=offset))
        response = await identity.verify(challenge, code)
        assert (response.status_code == 200) is accepted, (offset, response.text)


async def test_replayed_totp_code_is_refused(identity):
    agency_id = await identity.agency()
    await identity.user("cuong.lv", agency_id)
    secret, _ = await identity.enrol("cuong.lv")
    identity.tick(30)

    code = identity.code(secret)
    first = (await identity.login("cuong.lv")).json()
    assert (await identity.verify(first, code)).status_code == 200
    second = (await identity.login("cuong.lv")).json()
    replay = await identity.verify(second, code)
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/invalid-code")
    # The previous step's code is inside the window but at or below the last accepted step: refused too.
    earlier = totp_code(secret, identity.clock.now() - timedelta(seconds=30))
    assert (await identity.verify(second, earlier)).status_code == 401
    reasons = [e.detail.get("reason") for e in await identity.audit() if e.kind == "login.failed"]
    assert reasons[-2:] == ["replay", "replay"]
    # The next time step works.
    identity.tick(30)
    assert (await identity.verify(second, identity.code(secret))).status_code == 200


async def test_expired_challenge_is_refused(identity):
    agency_id = await identity.agency()
    await identity.user("dung.pt", agency_id)
    secret, _ = await identity.enrol("dung.pt")
    identity.tick(30)
    challenge = (await identity.login("dung.pt")).json()
    identity.tick(5 * 60 + 1)
    late = await identity.verify(challenge, identity.code(secret))
    assert late.status_code == 401
    assert late.json()["type"].endswith("/challenge-expired")


async def test_challenge_allows_a_few_tries_only(identity):
    agency_id = await identity.agency()
    await identity.user("giang.ht", agency_id)
    secret, _ = await identity.enrol("giang.ht")
    identity.tick(30)
    challenge = (await identity.login("giang.ht")).json()
    right = identity.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert (await identity.verify(challenge, wrong)).status_code == 401
    # The fifth wrong code also locks the account (5 failures), and the challenge is spent.
    assert (await identity.verify(challenge, wrong)).status_code == 401
    spent = await identity.verify(challenge, right)
    assert spent.json()["type"].endswith("/challenge-expired")


async def test_backup_code_login_is_single_use_and_a_new_set_voids_the_old(identity):
    agency_id = await identity.agency()
    await identity.user("hoa.nt", agency_id)
    _, tokens = await identity.enrol("hoa.nt")
    generated = await identity.client.post("/api/v1/auth/backup-codes", headers=bearer(tokens))
    assert generated.status_code == 200, generated.text
    codes = generated.json()["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10

    challenge = (await identity.login("hoa.nt")).json()
    assert challenge["factors"] == ["totp", "backup_code"]
    used = await identity.verify(challenge, codes[0].upper().replace("-", " "), factor="backup_code")
    assert used.status_code == 200, used.text
    assert used.json()["amr"] == ["pwd", "backup"]

    challenge = (await identity.login("hoa.nt")).json()
    assert (await identity.verify(challenge, codes[0], factor="backup_code")).status_code == 401

    fresh = (await identity.client.post("/api/v1/auth/backup-codes", headers=bearer(used.json()))).json()[
        "codes"
    ]
    assert (await identity.verify(challenge, codes[1], factor="backup_code")).status_code == 401
    assert (await identity.verify(challenge, fresh[0], factor="backup_code")).status_code == 200
    factors = await identity.client.get("/api/v1/auth/factors", headers=bearer(used.json()))
    assert factors.json()["backup_codes_remaining"] == 9


@pytest.mark.parametrize(
    "overrides", [{"otp_algorithm": "SHA256"}, {"otp_algorithm": "SHA512", "otp_digits": 8}]
)
async def test_sha256_and_sha512_authenticators(identity):
    agency_id = await identity.agency()
    await identity.user("khanh.vd", agency_id)
    secret, tokens = await identity.enrol("khanh.vd")
    algorithm = identity.settings.otp_algorithm
    factor_uri = (await identity.client.post("/api/v1/auth/totp", headers=bearer(tokens))).json()["uri"]
    assert f"algorithm={algorithm}" in factor_uri
    signed_in = await identity.sign_in("khanh.vd", secret)
    assert signed_in["amr"] == ["pwd", "otp"]


async def test_a_signed_in_user_replaces_the_authenticator(identity):
    agency_id = await identity.agency()
    await identity.user("lan.pt", agency_id)
    old_secret, tokens = await identity.enrol("lan.pt")
    started = (await identity.client.post("/api/v1/auth/totp", headers=bearer(tokens))).json()
    # Until confirmed, the old app still works.
    await identity.sign_in("lan.pt", old_secret)
    identity.tick(30)
    confirm = await identity.client.post(
        "/api/v1/auth/totp/confirm", json={"code": identity.code(started["secret"])}, headers=bearer(tokens)
    )
    assert confirm.status_code == 204, confirm.text
    identity.tick(30)
    challenge = (await identity.login("lan.pt")).json()
    assert (await identity.verify(challenge, identity.code(old_secret))).status_code == 401
    assert (await identity.verify(challenge, identity.code(started["secret"]))).status_code == 200


async def test_wrong_password_gives_no_challenge(identity):
    agency_id = await identity.agency()
    await identity.user("minh.lq", agency_id)
    response = await identity.login("minh.lq", PASSWORD + "x")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
