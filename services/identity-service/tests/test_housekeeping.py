"""Housekeeping deletes what has ended once the retention has passed, and keeps what may still be used."""

from __future__ import annotations

import asyncio

import pytest
from identity_harness import PROVINCE, bearer
from sqlalchemy import func, select

from identity_service import models
from identity_service.dependencies import Context
from identity_service.housekeeping.service import housekeeping
from kit_bus.outbox import SOURCE
from kit_db import make_engine, make_sessionmaker

DAY = 24 * 3600


async def counts(identity) -> dict[str, int]:
    out = {}
    async with identity.session() as session:
        for name, model in (
            ("login_codes", models.LoginCode),
            ("challenges", models.LoginChallenge),
            ("refresh_tokens", models.RefreshToken),
            ("sessions", models.AuthSession),
            ("password_resets", models.PasswordReset),
            ("ip_buckets", models.IpFailure),
        ):
            out[name] = int((await session.execute(select(func.count()).select_from(model))).scalar_one())
    return out


async def run_pass(identity) -> dict[str, int]:
    engine = make_engine(url=identity.running.database_url, pool_size=1)
    try:
        maker = make_sessionmaker(engine, **{SOURCE: identity.settings.service_name})
        return await housekeeping.pass_once(maker, Context.offline(identity.settings, identity.clock))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("overrides", [{"housekeeping_retention_seconds": DAY}])
async def test_ended_logins_go_after_the_retention_and_live_ones_stay(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)  # a live session: must survive every pass below
    user_id = await identity.user("an.nv", province)
    _, tokens = await identity.enrol("an.nv")
    await identity.client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    reset = await identity.client.post(f"/api/v1/users/{user_id}/password-reset", headers=bearer(admin))
    assert reset.status_code in (200, 201, 202), reset.text
    assert (await identity.login("khong.co", "sai mật khẩu lắm")).status_code == 401  # an IP bucket
    before = await counts(identity)
    assert before["sessions"] == 2
    assert before["password_resets"] == 1
    assert before["ip_buckets"] == 1

    assert await run_pass(identity) == dict.fromkeys(before, 0)  # nothing has ended long enough ago

    # Two days later: the logged-out session, its tokens, the challenges, the reset link and the IP
    # bucket are past the retention; the administrator keeps refreshing, so that session lives.
    for _ in range(4):
        identity.tick(12 * 3600 - 60)
        refreshed = await identity.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": admin["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        admin = refreshed.json()
    removed = await run_pass(identity)
    after = await counts(identity)
    assert removed["sessions"] == 1
    assert removed["password_resets"] == 1
    assert removed["ip_buckets"] == 1
    assert removed["challenges"] == before["challenges"]
    assert after["sessions"] == 1
    assert after["challenges"] == 0
    assert after["refresh_tokens"] >= 1  # the live session's current token (spent ones wait for their expiry)
    me = await identity.client.get("/api/v1/users/me", headers=bearer(admin))
    assert me.status_code == 200
    assert await run_pass(identity) == dict.fromkeys(before, 0)


async def test_the_worker_runs_with_the_service(identity):
    # service_under_test starts the app with its workers: the housekeeping loop is one of its tasks.
    names = {task.get_name() for task in asyncio.all_tasks()}
    assert "identity-service-housekeeping" in names
