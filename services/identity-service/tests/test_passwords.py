"""Password policy, argon2id parameters and rehashing, change with the current password, and the
administrator's one-time reset link."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import extract_parameters
from identity_harness import PASSWORD, PROVINCE, bearer, settings_for
from pydantic import ValidationError
from sqlalchemy import select

from identity_service import MIGRATIONS, models
from identity_service.app import create_app
from identity_service.config import Settings
from identity_service.password.exceptions import WeakPassword
from identity_service.password.service import common_passwords
from identity_service.password.service import password as password_service
from kit_bus import LocalBus
from kit_bus.testing import running_app
from kit_core import DEV_SECRET, FixedClock, InsecureSettings


def test_argon2_parameters_below_owasp_are_refused_outside_tests():
    with pytest.raises(ValidationError, match="below OWASP's minimum"):
        Settings(env="development", argon2_memory_kib=16 * 1024)
    with pytest.raises(ValidationError, match="below OWASP's minimum"):
        Settings(env="production", encryption_key="a-real-key-from-the-vault", argon2_time_cost=1)
    assert Settings(env="test", argon2_memory_kib=256, argon2_time_cost=1).argon2_memory_kib == 256
    assert Settings(env="development", argon2_memory_kib=19 * 1024, argon2_time_cost=2).env == "development"


def test_the_default_encryption_key_is_refused_in_production():
    with pytest.raises((ValidationError, InsecureSettings), match="IDENTITY_ENCRYPTION_KEY"):
        Settings(env="production")
    assert Settings(env="development").encryption_key == DEV_SECRET


@pytest.mark.parametrize(
    ("candidate", "accepted"),
    [
        ("123456789", False),  # 9 characters
        ("tàu hỏa ơi", True),  # 10 code points (more bytes)
        ("x" * 128, True),
        ("x" * 129, False),
        ("1234567890", False),  # common (Royce Williams / Django list)
        ("MatKhau@123", False),  # common (Vietnamese additions), any case
        ("anhyeuem123", False),
        ("Ninhbinh@2026", False),
        ("an.nguyen-2026-xyz", False),  # contains the username
        (PASSWORD, True),
    ],
)
def test_policy_counts_code_points_and_refuses_common_passwords(candidate, accepted):
    settings = settings_for("sqlite+aiosqlite:///:memory:")
    if accepted:
        password_service.check_policy(settings, candidate, username="an.nguyen")
    else:
        with pytest.raises(WeakPassword):
            password_service.check_policy(settings, candidate, username="an.nguyen")


def test_the_shipped_lists_are_loaded():
    common = common_passwords()
    assert len(common) > 19_000
    assert {"matkhau", "123456a@", "anhyeuem", "password", "iloveyou"} <= common


async def test_passwords_are_normalised_so_any_vietnamese_keyboard_matches(identity):
    province = await identity.agency(PROVINCE)
    composed = unicodedata.normalize("NFC", "Mật khẩu của tôi ở Kim Sơn")
    await identity.user("an.nv", province, password=composed)
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert (await identity.login("an.nv", decomposed)).status_code == 200


async def test_weak_password_at_creation_is_a_problem(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    body = {
        "username": "binh.tt",
        "full_name": "Trần Thị Bình",
        "agency_id": str(province),
        "password": "matkhau@123",
    }
    response = await identity.client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 422
    assert response.json()["type"].endswith("/weak-password")
    assert "phổ biến" in response.json()["detail"]


async def test_change_needs_the_current_password_and_ends_other_sessions(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("cuong.lv", province)
    secret, here = await identity.enrol("cuong.lv")
    elsewhere = await identity.sign_in("cuong.lv", secret)
    new = "Hang Múa có 486 bậc đá"

    wrong = await identity.client.post(
        "/api/v1/auth/password/change",
        json={"current_password": "nope-nope-nope", "new_password": new},
        headers=bearer(here),
    )
    assert wrong.status_code == 403
    assert wrong.json()["type"].endswith("/wrong-password")
    lockout = (await identity.client.get(f"/api/v1/users/{user_id}/lockout", headers=bearer(admin))).json()
    assert lockout["failed_count"] == 1  # a guess at the password, counted like one
    weak = await identity.client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=bearer(here),
    )
    assert weak.status_code == 422

    changed = await identity.client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": new},
        headers=bearer(here),
    )
    assert changed.status_code == 204, changed.text
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(here))).status_code == 200
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(elsewhere))).status_code == 401
    assert (await identity.login("cuong.lv")).status_code == 401
    await identity.sign_in("cuong.lv", secret, password=new)


async def test_admin_reset_sends_a_one_time_link_that_expires(identity):
    province = await identity.agency(PROVINCE)
    admin = await identity.admin(province)
    user_id = await identity.user("dung.pt", province)
    secret, tokens = await identity.enrol("dung.pt")

    requested = await identity.client.post(f"/api/v1/users/{user_id}/password-reset", headers=bearer(admin))
    assert requested.status_code == 202, requested.text
    assert "token" not in requested.text  # the link goes to the user, not to the administrator
    [message] = [
        e for e in await identity.outbox("notify.request.created.v1") if e["kind"] == "password.reset"
    ]
    assert message["critical"] is True
    assert message["user_ids"] == [str(user_id)]
    link = message["data"]["link"]
    assert link.startswith(f"{identity.settings.public_url}/reset-password#token=")
    token = link.split("#token=")[1]
    stored = await identity.running.scalar(select(models.PasswordReset.token_hash))
    assert token not in stored
    assert len(stored) == 64

    new = "Chùa Bái Đính rất rộng"
    weak = await identity.client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": "matkhau"}
    )
    assert weak.status_code == 422
    done = await identity.client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": new}
    )
    assert done.status_code == 204, done.text
    again = await identity.client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": new + "!"}
    )
    assert again.status_code == 400
    assert again.json()["type"].endswith("/invalid-reset-token")
    assert (await identity.client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
    await identity.sign_in("dung.pt", secret, password=new)

    await identity.client.post(f"/api/v1/users/{user_id}/password-reset", headers=bearer(admin))
    late_link = [
        e for e in await identity.outbox("notify.request.created.v1") if e["kind"] == "password.reset"
    ][-1]
    identity.tick(30 * 60 + 1)
    late = await identity.client.post(
        "/api/v1/auth/password/reset",
        json={
            "token": late_link["data"]["link"].split("#token=")[1],
            "new_password": "Đồng lúa Kim Sơn mùa gặt",
        },
    )
    assert late.status_code == 400


async def test_login_rehashes_when_the_argon2_parameters_change(identity):
    province = await identity.agency(PROVINCE)
    user_id = await identity.user("giang.ht", province)

    def stored():
        return identity.running.scalar(select(models.User.password_hash).where(models.User.id == user_id))

    before = extract_parameters(await stored())
    assert (before.memory_cost, before.time_cost) == (256, 1)
    stronger = settings_for(identity.running.database_url, argon2_memory_kib=1024, argon2_time_cost=2)
    bus = LocalBus()  # a second instance on the same database; the first one's relay publishes
    await bus.start()
    try:
        async with running_app(
            lambda: create_app(stronger, bus=bus, run_workers=False, clock=FixedClock(identity.clock.now())),
            database_url=identity.running.database_url,
            migrations=MIGRATIONS,
        ) as (_, client):
            response = await client.post(
                "/api/v1/auth/login", json={"username": "giang.ht", "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
    finally:
        await bus.stop()
    after = extract_parameters(await stored())
    assert (after.memory_cost, after.time_cost) == (1024, 2)
    assert (await identity.login("giang.ht")).status_code == 200  # the old parameters still verify it
