"""Requests from events and the admin API: recipients, idempotency, who may see what, SMS without a router."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from kit_bus.testing import eventually
from kit_contracts import NotificationRequested
from kit_db import make_engine, make_sessionmaker
from notify_service.dependencies import NotifyState
from notify_service.notification.service import notification as notification_service

WELCOME = {"full_name": "Nguyễn Văn An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"}


def body(**values):
    return {"kind": "user.welcome", "data": WELCOME, "idempotency_key": f"api:{uuid4()}"} | values


async def test_an_agencys_clerks_are_its_active_users_holding_the_role(notify):
    office, other = uuid4(), uuid4()
    clerk = await notify.user(roles={office: ["clerk"]})
    clerk_and_leader = await notify.user(roles={office: ["clerk", "leader"], other: ["specialist"]})
    leader = await notify.user(roles={office: ["leader"]})
    await notify.user(roles={office: ["clerk"]}, active=False)
    await notify.user(roles={other: ["clerk"]})
    named = uuid4()  # not in the replica yet: kept, identity's snapshot may still be on its way

    await notify.request(
        kind="document.arrived",
        user_ids=[named, clerk],
        org_id=office,
        org_roles=["clerk"],
        data={"sender_name": "Sở Nội vụ", "number": "12/SNV", "subject": "Về việc họp giao ban"},
        idempotency_key="arrived-1",
    )
    settled = await notify.settled("arrived-1")
    assert sorted(d["user_id"] for d in settled["deliveries"]) == sorted(
        map(str, [named, clerk, clerk_and_leader])
    )
    assert {d["status"] for d in settled["deliveries"]} == {"delivered"}

    # A deactivation (UserUpdated) takes the user out of every later request, named or by role.
    await notify.user(user_id=clerk, roles={office: ["clerk"]}, active=False, updated=True)
    await notify.request(
        kind="document.arrived",
        user_ids=[clerk],
        org_id=office,
        org_roles=["clerk", "leader"],
        data={"sender_name": "Sở Nội vụ", "number": "13/SNV", "subject": "Về việc khác"},
        idempotency_key="arrived-2",
    )
    settled = await notify.settled("arrived-2")
    assert sorted(d["user_id"] for d in settled["deliveries"]) == sorted(map(str, [clerk_and_leader, leader]))
    [item] = (await notify.as_user(leader).get("/api/v1/notifications/feed")).json()
    assert item["body"] == "Sở Nội vụ đã gửi văn bản số 13/SNV: Về việc khác."


async def test_the_api_creates_once_per_key_and_shows_every_attempt(notify):
    admin = notify.admin()
    user = await notify.user()
    request = body(user_ids=[str(user)], channels=["in_app", "email"], idempotency_key="api-1")
    first = await admin.post("/api/v1/notifications", json=request)
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["source"].startswith("api:")
    assert sorted(d["channel"] for d in created["deliveries"]) == ["email", "in_app"]
    assert {d["status"] for d in created["deliveries"]} <= {"created", "sending", "delivered"}

    again = await admin.post("/api/v1/notifications", json=request | {"data": {"other": "values"}})
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]

    settled = await notify.settled("api-1")
    for delivery in settled["deliveries"]:
        assert delivery["status"] == "delivered"
        [attempt] = delivery["attempt_log"]
        assert attempt["provider"] == {"in_app": "feed", "email": "file"}[delivery["channel"]]
    [mail] = notify.mails()
    assert mail["Subject"] == "Tài khoản của bạn đã được tạo"

    listed = (await admin.get("/api/v1/notifications", params={"recipient": str(user)})).json()
    assert [n["id"] for n in listed] == [created["id"]]
    assert (await admin.get("/api/v1/notifications", params={"kind": "auth.otp"})).json() == []
    assert (await admin.get("/api/v1/notifications", params={"status": "permanent-failure"})).json() == []
    missing = await admin.get(f"/api/v1/notifications/{uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/notification-not-found")


@pytest.mark.parametrize(
    ("values", "status", "problem"),
    [
        ({"user_ids": []}, 422, "no-recipients"),
        ({"org_id": None, "org_roles": ["clerk"]}, 422, "no-recipients"),
        (
            {"phone": "+84912345678", "user_ids": [str(uuid4()), str(uuid4())]},
            422,
            "override-needs-one-recipient",
        ),
        ({"phone": "0912345678", "user_ids": [str(uuid4())]}, 422, "validation-error"),
        ({"channels": ["fax"], "user_ids": [str(uuid4())]}, 422, "validation-error"),
        ({"idempotency_key": "", "user_ids": [str(uuid4())]}, 422, "validation-error"),
        ({"data": {"x": "ả" * 9000}, "user_ids": [str(uuid4())]}, 422, "validation-error"),
    ],
)
async def test_a_bad_request_is_a_problem_and_creates_nothing(notify, values, status, problem):
    response = await notify.admin().post("/api/v1/notifications", json=body(**values))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(problem) or problem == "validation-error"
    assert (await notify.admin().get("/api/v1/notifications")).json() == []


async def test_an_agency_administrator_acts_only_within_the_agency(notify):
    office, other = uuid4(), uuid4()
    member = await notify.user(roles={office: ["specialist"]})
    outsider = await notify.user(roles={other: ["specialist"]})
    mine = notify.agency_admin(office)

    ok = await mine.post("/api/v1/notifications", json=body(user_ids=[str(member)], org_id=str(office)))
    assert ok.status_code == 201, ok.text
    refused = [
        (await mine.post("/api/v1/notifications", json=body(user_ids=[str(member)])), "agency-required"),
        (
            await mine.post("/api/v1/notifications", json=body(user_ids=[str(member)], org_id=str(other))),
            "other-agency",
        ),
        (
            await mine.post("/api/v1/notifications", json=body(user_ids=[str(outsider)], org_id=str(office))),
            "recipient-outside-agency",
        ),
    ]
    for response, code in refused:
        assert response.status_code in (403, 422), response.text
        assert response.json()["type"].endswith(code), response.text

    theirs = await notify.agency_admin(other).post(
        "/api/v1/notifications", json=body(user_ids=[str(outsider)], org_id=str(other))
    )
    assert theirs.status_code == 201
    assert [n["id"] for n in (await mine.get("/api/v1/notifications")).json()] == [ok.json()["id"]]
    hidden = await mine.get(f"/api/v1/notifications/{theirs.json()['id']}")
    assert hidden.status_code == 404
    clerk = notify.running.client_for(office, ["clerk"])
    assert (await clerk.post("/api/v1/notifications", json=body(user_ids=[str(member)]))).status_code == 403
    assert (await clerk.get("/api/v1/notifications")).status_code == 403


async def test_an_otp_reaches_a_user_who_muted_everything_and_never_enters_the_feed(notify):
    user = await notify.user()
    client = notify.as_user(user)
    muted = {
        "choices": [{"kind": "*", "channel": c, "enabled": False} for c in ("sms", "email", "in_app")],
        "quiet_hours": {"start": "00:00", "end": "23:59"},
    }
    assert (await client.put("/api/v1/preferences", json=muted)).status_code == 200

    await notify.request(
        user_ids=[user],
        kind="auth.otp",
        channels=["email", "in_app"],
        critical=True,
        data={"code": "493817"},
        idempotency_key="otp:1",
    )
    settled = await notify.settled("otp:1")
    [delivery] = settled["deliveries"]  # no in-app delivery: a code never enters the feed
    assert (delivery["channel"], delivery["status"]) == ("email", "delivered")
    [mail] = notify.mails()
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Mã xác thực của bạn là 493817." in plain
    assert "có hiệu lực trong 5 phút" in plain

    # The same request again (same key): sent once.
    await notify.request(
        user_ids=[user],
        kind="auth.otp",
        channels=["email"],
        critical=True,
        data={"code": "000000"},
        idempotency_key="otp:1",
    )
    await notify.request(user_ids=[user], idempotency_key="later", critical=True)
    await notify.settled("later")
    assert len(notify.mails()) == 1
    assert (await client.get("/api/v1/notifications/feed")).json()[0]["kind"] == "user.welcome"

    # Not critical: the same user's mute holds.
    await notify.request(user_ids=[user], channels=["email", "in_app"], idempotency_key="muted")
    assert (await notify.notification("muted"))["deliveries"] == []


async def test_sms_waits_in_created_without_an_sms_router(notify):
    user = await notify.user(phone="+84912345678")
    await notify.request(
        user_ids=[user],
        kind="auth.otp",
        channels=None,
        critical=True,
        data={"code": "111222"},
        idempotency_key="otp-sms",
    )
    first = await notify.notification("otp-sms")
    [delivery] = first["deliveries"]
    assert delivery["channel"] == "sms"  # the kind's default channel
    await notify.request(user_ids=[user], idempotency_key="after-sms")
    await notify.settled("after-sms")  # the worker has run since
    still = (await notify.admin().get(f"/api/v1/notifications/{first['id']}")).json()["deliveries"][0]
    assert (still["status"], still["attempts"]) == ("created", 0)


async def test_metrics_count_deliveries_by_channel_and_provider(notify):
    user = await notify.user()
    await notify.request(user_ids=[user], channels=["in_app", "email"], idempotency_key="m-1")
    await notify.settled("m-1")
    await notify.state.sender.sweep()  # refreshes the queue depth

    async def scraped():
        text = (await notify.client.get("/metrics")).text
        return (
            text
            if 'notify_deliveries_total{channel="email",outcome="delivered",provider="file"} 1.0' in text
            else None
        )

    text = await eventually(scraped)
    assert 'notify_deliveries_total{channel="in_app",outcome="delivered",provider="feed"} 1.0' in text
    assert "notify_queue_depth" in text
    assert "notify_feed_streams 0.0" in text


@pytest.mark.parametrize("dialect", ["postgres"])  # SQLite is one process: woken in memory
@pytest.mark.parametrize("overrides", [{"send_poll_seconds": 30, "sweep_interval_seconds": 30}])
async def test_a_commit_in_another_process_wakes_the_worker_at_once(notify):
    """The recording transaction NOTIFYs; the worker LISTENs, so it need not wait for its 30 s poll."""
    other = NotifyState(settings=notify.settings, clock=notify.clock)  # another process's state
    engine = make_engine(url=notify.running.database_url, pool_size=1)
    await asyncio.sleep(0.5)  # the worker has gone to sleep on its 30 s poll
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            request = NotificationRequested(
                request_id=uuid4(),
                kind="user.welcome",
                user_ids=[uuid4()],
                channels=["in_app"],
                data=WELCOME,
                idempotency_key="elsewhere",
            )
            await notification_service.request(session, request, source="other-process", state=other)
        settled = await notify.settled("elsewhere", within=5)
    finally:
        await engine.dispose()
    assert settled["deliveries"][0]["status"] == "delivered"


async def test_an_api_caller_is_limited_per_minute_but_a_repeated_key_is_answered(notify):
    notify.settings.api_rate_limit_per_minute = 2
    admin, other = notify.admin(), notify.admin()
    user = str(uuid4())
    first = await admin.post("/api/v1/notifications", json=body(user_ids=[user], idempotency_key="rl-1"))
    assert first.status_code == 201
    notify.clock.advance(timedelta(seconds=20))
    assert (await admin.post("/api/v1/notifications", json=body(user_ids=[user]))).status_code == 201
    refused = await admin.post("/api/v1/notifications", json=body(user_ids=[user], idempotency_key="rl-3"))
    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "40"
    assert refused.json()["type"].endswith("/too-many-notifications")
    repeated = await admin.post("/api/v1/notifications", json=body(user_ids=[user], idempotency_key="rl-1"))
    assert repeated.status_code == 200
    assert (await other.post("/api/v1/notifications", json=body(user_ids=[user]))).status_code == 201
    notify.clock.advance(timedelta(seconds=40))
    again = await admin.post("/api/v1/notifications", json=body(user_ids=[user], idempotency_key="rl-3"))
    assert again.status_code == 201
    assert len((await admin.get("/api/v1/notifications")).json()) == 4
