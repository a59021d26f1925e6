"""Brute force: the failure counter locks and unlocks by itself, growing on repeats; the per-user
sliding window; administrators see and clear lockouts; refusals all look alike."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest
from identity_harness import PASSWORD, PROVINCE, bearer

from identity_service.audit.service import audit as audit_service

WRONG = PASSWORD + "?"


async def fail(identity, username: str, times: int) -> None:
    for _ in range(times):
        assert (await identity.login(username, WRONG)).status_code == 401


async def test_brute_force_locks_the_account_and_it_unlocks_by_itself(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("an.nv", province)
    secret, _ = await identity.enrol("an.nv")

    wrong = await identity.login("an.nv", WRONG)
    await fail(identity, "an.nv", 4)
    locked = await identity.login("an.nv")  # the right password, while locked
    assert locked.status_code == 401
    assert locked.json() == wrong.json()
    state = (await identity.client.get(f"/api/v1/users/{user_id}/lockout", headers=bearer(admin))).json()
    assert state["locked"] is True
    assert state["reason"] == "locked"
    assert state["lockouts"] == 1
    listed = await identity.client.get("/api/v1/users?locked=true", headers=bearer(admin))
    assert [u["username"] for u in listed.json()] == ["an.nv"]

    identity.tick(59)
    assert (await identity.login("an.nv")).status_code == 401
    identity.tick(2)
    await identity.sign_in("an.nv", secret)
    kinds = [e.kind for e in await identity.audit(user_id=user_id)]
    assert kinds.count("login.failed") == 5
    assert kinds.count("login.refused") == 2  # not checked, not counted
    assert kinds.count("account.locked") == 1
    unlocked = [e for e in await identity.audit(user_id=user_id) if e.kind == "account.unlocked"]
    assert unlocked[0].detail["by"] == "timeout"


@pytest.mark.parametrize("overrides", [{"user_window_max_failures": 1000}])
async def test_each_new_lock_lasts_twice_as_long_up_to_the_cap(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("binh.tt", province)
    for expected in (60, 120, 240, 480, 900, 900):
        await fail(identity, "binh.tt", 5)
        identity.tick(expected - 1)
        assert (await identity.login("binh.tt")).status_code == 401, expected
        identity.tick(1.5)
        assert (await identity.login("binh.tt")).status_code == 200, expected
    locks = [e.detail["seconds"] for e in await identity.audit() if e.kind == "account.locked"]
    assert locks == [60, 120, 240, 480, 900, 900]


@pytest.mark.parametrize(
    "overrides", [{"lockout_threshold": 1000, "user_window_max_failures": 3, "user_window_seconds": 600}]
)
async def test_the_sliding_window_limits_slow_guessing_too(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("cuong.lv", province)
    await identity.enrol("cuong.lv")
    for attempt in range(3):
        identity.tick(100)  # a success between failures would reset a counter, not the window
        assert (await identity.login("cuong.lv", WRONG)).status_code == 401
        assert (await identity.login("cuong.lv")).status_code == (200 if attempt < 2 else 401)
    state = (await identity.client.get(f"/api/v1/users/{user_id}/lockout", headers=bearer(admin))).json()
    assert state["reason"] == "window"
    assert state["recent_failures"] == 3

    identity.tick(600 - 200 + 1)  # the first failure ages out
    assert (await identity.login("cuong.lv")).status_code == 200


@pytest.mark.parametrize("overrides", [{"user_window_max_failures": 6}])
async def test_an_admin_sees_and_clears_a_lockout(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("dung.pt", province)
    await fail(identity, "dung.pt", 5)
    cleared = await identity.client.delete(f"/api/v1/users/{user_id}/lockout", headers=bearer(admin))
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() | {"window_seconds": 0} == {
        "user_id": str(user_id),
        "locked": False,
        "locked_until": None,
        "reason": None,
        "failed_count": 0,
        "lockouts": 0,
        "recent_failures": 0,  # the window starts again too
        "window_seconds": 0,
    }
    assert (await identity.login("dung.pt")).status_code == 200
    unlocked = [e for e in await identity.audit(user_id=user_id) if e.kind == "account.unlocked"]
    assert unlocked[-1].detail["by"] == "admin"
    assert unlocked[-1].actor_id is not None


async def test_a_locked_account_never_confirms_a_right_code(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("giang.ht", province)
    secret, _ = await identity.enrol("giang.ht")
    identity.tick(30)
    challenge = (await identity.login("giang.ht")).json()
    await fail(identity, "giang.ht", 5)  # someone else guesses the password meanwhile
    refused = await identity.verify(challenge, identity.code(secret))
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/invalid-code")


async def test_unknown_user_wrong_password_and_locked_are_indistinguishable(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("hoa.nt", province)
    await identity.user("khanh.vd", province)
    await fail(identity, "khanh.vd", 5)

    answers = [
        await identity.login("no.such.user"),
        await identity.login("hoa.nt", WRONG),
        await identity.login("khanh.vd"),  # locked, right password
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1
    varying = {"x-request-id", "traceparent", "date"}
    assert (
        len({tuple(sorted((k, v) for k, v in r.headers.items() if k not in varying)) for r in answers}) == 1
    )
    assert answers[0].json()["detail"] == "Tên đăng nhập hoặc mật khẩu không đúng."


@pytest.mark.parametrize("overrides", [{"argon2_memory_kib": 19 * 1024, "argon2_time_cost": 2}])
@pytest.mark.parametrize("dialect", ["sqlite"])
async def test_unknown_users_cost_as_much_time_as_known_ones(identity):
    """An unknown username is checked against a dummy hash of the same cost (OWASP's minimum here)."""
    province = await identity.agency(PROVINCE)
    await identity.user("lan.pt", province)
    await identity.login("warm.up", WRONG)  # the dummy hash is made once, on first use

    async def timed(username):
        started = time.perf_counter()
        assert (await identity.login(username, WRONG)).status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(4):
        identity.tick(3600)  # keep the account from locking
        known.append(await timed("lan.pt"))
        unknown.append(await timed("no.such.user"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


async def test_parallel_guesses_neither_escape_the_lock_nor_fork_the_audit_chain(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("minh.lq", province)
    answers = await asyncio.gather(*(identity.login("minh.lq", WRONG) for _ in range(12)))
    assert {r.status_code for r in answers} == {401}
    kinds = [e.kind for e in await identity.audit()]
    assert kinds.count("account.locked") == 1
    assert kinds.count("login.failed") + kinds.count("login.refused") == 12
    assert (await identity.login("minh.lq")).status_code == 401  # still locked
    async with identity.session() as session:
        assert (await audit_service.verify(session)).intact


@pytest.mark.parametrize("overrides", [{"ip_window_max_failures": 6, "ip_window_seconds": 300}])
async def test_one_address_spraying_many_accounts_must_wait_and_others_are_not_affected(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    for name in ("an.nv", "binh.tt"):
        await identity.user(name, province)
    secret, _ = await identity.enrol("an.nv")
    # Six failures spread over accounts (none of them reaches its own lock) and an unknown username.
    await fail(identity, "an.nv", 2)
    await fail(identity, "binh.tt", 2)
    await fail(identity, "khong.co", 2)
    entries = len(await identity.audit())

    refused = await identity.login("an.nv")  # even the right password, from this address
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-attempts")
    assert "địa chỉ mạng này" in refused.json()["detail"]
    assert 300 <= int(refused.headers["Retry-After"]) <= 420
    assert len(await identity.audit()) == entries  # a flood adds nothing to the audit chain

    # Another address is not affected: the right password and code still sign in from there.
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=identity.client._transport.app, client=("10.20.30.40", 5000)),
        base_url=identity.client.base_url,
    )
    async with elsewhere:
        identity.tick(30)
        challenge = await elsewhere.post(
            "/api/v1/auth/login", json={"username": "an.nv", "password": PASSWORD}
        )
        assert challenge.status_code == 200, challenge.text
        tokens = await elsewhere.post(
            "/api/v1/auth/login/verify",
            json={
                "challenge_id": challenge.json()["challenge_id"],
                "factor": "totp",
                "code": identity.code(secret),
            },
        )
        assert tokens.status_code == 200, tokens.text

    blocks = await identity.client.get("/api/v1/auth/ip-blocks", headers=bearer(admin))
    assert blocks.status_code == 200, blocks.text
    assert [(b["ip"], b["failures"]) for b in blocks.json()] == [("127.0.0.1", 6)]

    identity.tick(300 + 60)  # the window has passed: the address may try again
    assert (await identity.login("binh.tt")).status_code == 200


@pytest.mark.parametrize("overrides", [{"ip_window_max_failures": 3}])
async def test_only_a_system_administrator_lifts_an_address_block_and_it_is_audited(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    agency_admin = await identity.admin(province, "giang.ht", ["agency_admin"])
    await identity.user("an.nv", province)
    await fail(identity, "an.nv", 3)
    assert (await identity.login("an.nv")).status_code == 429

    denied = await identity.client.delete("/api/v1/auth/ip-blocks/127.0.0.1", headers=bearer(agency_admin))
    assert denied.status_code == 403
    assert (await identity.login("an.nv")).status_code == 429
    cleared = await identity.client.delete("/api/v1/auth/ip-blocks/127.0.0.1", headers=bearer(admin))
    assert cleared.status_code == 204
    assert (await identity.login("an.nv")).status_code == 200
    [entry] = [e for e in await identity.audit() if e.kind == "ip.unblocked"]
    assert entry.detail["unblocked_ip"] == "127.0.0.1"
    assert (await identity.client.get("/api/v1/auth/ip-blocks", headers=bearer(admin))).json() == []
