"""SMS and e-mail codes as the second step: what goes to notify-service, single use, expiry, tries,
throttling, and refusals. (The journey tests read a code from the real e-mail delivery path.)"""

from __future__ import annotations

import pytest
from identity_harness import PROVINCE

PHONE = "0912 345 678"
EMAIL = "an.nv@kimson.ninhbinh.gov.vn"


async def otp_requests(identity) -> list[dict]:
    return [e for e in await identity.outbox("notify.request.created.v1") if e["kind"] == "auth.otp"]


async def send(identity, challenge, channel="sms"):
    return await identity.client.post(
        "/api/v1/auth/login/code", json={"challenge_id": challenge["challenge_id"], "channel": channel}
    )


async def last_code(identity) -> str:
    return (await otp_requests(identity))[-1]["data"]["code"]


async def test_a_code_by_sms_signs_in_once_and_notify_is_asked_critically(identity):
    province = await identity.agency(PROVINCE)
    user_id = await identity.user("an.nv", province, phone=PHONE, email=EMAIL)
    challenge = (await identity.login("an.nv")).json()
    assert challenge["factors"] == ["sms", "email"]

    sent = await send(identity, challenge)
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"] == "+84 91* *** 678"
    [request] = await otp_requests(identity)
    assert request["channels"] == ["sms"]
    assert request["phone"] == "+84912345678"
    assert request["critical"] is True
    assert request["user_ids"] == [str(user_id)]
    code = request["data"]["code"]
    assert len(code) == 6
    assert code.isdigit()

    wrong = "000000" if code != "000000" else "111111"
    assert (await identity.verify(challenge, wrong, "sms")).status_code == 401
    tokens = await identity.verify(challenge, code, "sms")
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["amr"] == ["pwd", "sms"]

    # The same code again: on its own finished login, and on a new one.
    assert (await identity.verify(challenge, code, "sms")).status_code == 401
    again = (await identity.login("an.nv")).json()
    assert (await identity.verify(again, code, "sms")).status_code == 401
    kinds = [e.kind for e in await identity.audit()]
    assert "otp.sent" in kinds


async def test_e_mail_codes_resend_supersedes_and_is_throttled(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("an.nv", province, email=EMAIL)
    challenge = (await identity.login("an.nv")).json()
    assert challenge["factors"] == ["email"]
    sent = await send(identity, challenge, "email")
    assert sent.json()["sent_to"] == "a***@kimson.ninhbinh.gov.vn"
    first = await last_code(identity)
    (request,) = await otp_requests(identity)
    assert (request["channels"], request["email"]) == (["email"], EMAIL)

    too_soon = await send(identity, challenge, "email")
    assert too_soon.status_code == 429
    assert too_soon.headers["content-type"] == "application/problem+json"
    assert 1 <= int(too_soon.headers["Retry-After"]) <= 30
    identity.tick(30)
    assert (await send(identity, challenge, "email")).status_code == 202
    second = await last_code(identity)
    if second != first:  # one chance in a million that both are equal
        assert (await identity.verify(challenge, first, "email")).status_code == 401  # superseded
    identity.tick(30)
    assert (await send(identity, challenge, "email")).status_code == 202  # the third and last
    third = await last_code(identity)
    identity.tick(30)
    capped = await send(identity, challenge, "email")
    assert capped.status_code == 429
    assert "nhập lại mật khẩu" in capped.json()["detail"]
    assert (await identity.verify(challenge, third, "email")).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [{"otp_code_ttl_seconds": 60, "challenge_max_attempts": 20, "lockout_threshold": 100}],
)
async def test_codes_expire_and_allow_five_tries(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("an.nv", province, phone=PHONE)
    challenge = (await identity.login("an.nv")).json()
    await send(identity, challenge)
    code = await last_code(identity)
    identity.tick(61)
    assert (await identity.verify(challenge, code, "sms")).status_code == 401  # expired

    await send(identity, challenge)
    code = await last_code(identity)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert (await identity.verify(challenge, wrong, "sms")).status_code == 401
    assert (await identity.verify(challenge, code, "sms")).status_code == 401  # out of tries
    reasons = [e.detail.get("reason") for e in await identity.audit() if e.kind == "login.failed"]
    assert reasons == ["expired", "wrong", "wrong", "wrong", "wrong", "wrong", "tries"]


@pytest.mark.parametrize("overrides", [{"otp_code_max_sends_per_user_hour": 2, "otp_code_resend_seconds": 0}])
async def test_codes_per_user_per_hour_are_capped_across_logins(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("an.nv", province, phone=PHONE)
    for _ in range(2):
        challenge = (await identity.login("an.nv")).json()
        assert (await send(identity, challenge)).status_code == 202
    challenge = (await identity.login("an.nv")).json()
    capped = await send(identity, challenge)
    assert capped.status_code == 429
    assert capped.headers["Retry-After"] == "3600"
    identity.tick(3601)
    challenge = (await identity.login("an.nv")).json()
    assert (await send(identity, challenge)).status_code == 202


async def test_a_channel_the_account_lacks_or_an_unknown_challenge_is_refused(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("an.nv", province, email=EMAIL)
    challenge = (await identity.login("an.nv")).json()
    no_phone = await send(identity, challenge, "sms")
    assert no_phone.status_code == 409
    assert "số điện thoại" in no_phone.json()["detail"]
    unknown = await send(identity, {"challenge_id": "00000000-0000-4000-8000-000000000000"}, "email")
    assert unknown.status_code == 401
    bad = await identity.client.post(
        "/api/v1/auth/login/code", json={"challenge_id": challenge["challenge_id"], "channel": "fax"}
    )
    assert bad.status_code == 422
    assert await otp_requests(identity) == []
