"""Preferences per kind and channel, quiet hours in Vietnam time, and what critical requests ignore."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from kit_bus.testing import eventually
from notify_service.preference.service import VIETNAM, quiet_until

# 23:30 in Vietnam (UTC+7) on 27 November 2026.
LATE = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "start", "end", "until"),
    [
        ("23:30", "22:00", "06:30", "2026-11-28T06:30"),  # spans midnight, before it
        ("01:00", "22:00", "06:30", "2026-11-27T06:30"),  # spans midnight, after it
        ("06:30", "22:00", "06:30", None),  # the end is not quiet
        ("12:15", "12:00", "13:30", "2026-11-27T13:30"),
        ("11:59", "12:00", "13:30", None),
    ],
)
def test_quiet_until(local, start, end, until):
    now = datetime.combine(date(2026, 11, 27), time.fromisoformat(local), tzinfo=VIETNAM)
    found = quiet_until(now.astimezone(UTC), time.fromisoformat(start), time.fromisoformat(end))
    expected = datetime.fromisoformat(until).replace(tzinfo=VIETNAM) if until else None
    assert found == expected


async def test_my_preferences_round_trip_and_bad_ones_are_problems(notify):
    user = uuid4()
    client = notify.as_user(user)
    empty = (await client.get("/api/v1/preferences")).json()
    assert (empty["choices"], empty["quiet_hours"]) == ([], None)

    chosen = {
        "choices": [
            {"kind": "*", "channel": "email", "enabled": False},
            {"kind": "document.arrived", "channel": "email", "enabled": True},
            {"kind": "assignment.due_soon", "channel": "sms", "enabled": True},
        ],
        "quiet_hours": {"start": "22:00:00", "end": "06:30:00"},
    }
    saved = await client.put("/api/v1/preferences", json=chosen)
    assert saved.status_code == 200, saved.text
    got = (await client.get("/api/v1/preferences")).json()
    assert sorted(got["choices"], key=lambda c: (c["kind"], c["channel"])) == sorted(
        chosen["choices"], key=lambda c: (c["kind"], c["channel"])
    )
    assert got["quiet_hours"] == chosen["quiet_hours"]
    assert "Hỏa tốc" in got["critical_note"]
    assert (await notify.as_user(uuid4()).get("/api/v1/preferences")).json()["choices"] == []

    for bad, code in (
        ({"choices": [{"kind": "no.such", "channel": "email", "enabled": False}]}, "unknown-preference-kind"),
        ({"choices": [{"kind": "*", "channel": "fax", "enabled": False}]}, "validation-error"),
        ({"choices": [{"kind": "*", "channel": "sms", "enabled": False}] * 2}, "duplicate-choice"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "validation-error"),
        ({"quiet_hours": {"start": "25:00", "end": "06:00"}}, "validation-error"),
    ):
        response = await client.put("/api/v1/preferences", json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        if code != "validation-error":
            assert response.json()["type"].endswith(code)
    assert (await client.get("/api/v1/preferences")).json() == got  # nothing changed


async def test_a_choice_for_the_kind_beats_one_for_every_kind_which_beats_the_defaults(notify):
    user = await notify.user()
    choices = [
        {"kind": "*", "channel": "email", "enabled": False},
        {"kind": "assignment.created", "channel": "email", "enabled": True},
        {"kind": "assignment.created", "channel": "in_app", "enabled": False},
    ]
    assert (
        await notify.as_user(user).put("/api/v1/preferences", json={"choices": choices})
    ).status_code == 200
    data = {
        "assigner_name": "Trần Thị Bình",
        "number": "1/UBND",
        "subject": "Về việc A",
        "due_date": "05/12/2026",
    }
    await notify.request(
        user_ids=[user], kind="assignment.created", channels=None, data=data, idempotency_key="a"
    )
    arrived = {"sender_name": "Sở Nội vụ", "number": "2/SNV", "subject": "Về việc B"}
    await notify.request(
        user_ids=[user], kind="document.arrived", channels=None, data=arrived, idempotency_key="d"
    )
    assert [d["channel"] for d in (await notify.settled("a"))["deliveries"]] == ["email"]
    assert [d["channel"] for d in (await notify.settled("d"))["deliveries"]] == ["in_app"]
    # The request's channels restrict what the user allowed; they do not override a refusal.
    await notify.request(
        user_ids=[user], kind="document.arrived", channels=["email", "sms"], data=arrived, idempotency_key="r"
    )
    assert (await notify.settled("r", statuses={"created"}))["deliveries"][0]["channel"] == "sms"
    [mail] = notify.mails()
    assert mail["Subject"] == "Giao xử lý văn bản: 1/UBND"


@pytest.mark.parametrize("start", [LATE])
async def test_quiet_hours_hold_email_until_morning_but_not_the_feed_or_critical(notify, start):
    user = await notify.user()
    quiet = {"quiet_hours": {"start": "22:00", "end": "06:30"}}
    assert (await notify.as_user(user).put("/api/v1/preferences", json=quiet)).status_code == 200

    await notify.request(user_ids=[user], channels=["in_app", "email"], idempotency_key="night")
    recorded = await notify.notification("night")

    async def feed_delivered():
        body = (await notify.admin().get(f"/api/v1/notifications/{recorded['id']}")).json()
        by_channel = {d["channel"]: d for d in body["deliveries"]}
        return by_channel if by_channel["in_app"]["status"] == "delivered" else None

    by_channel = await eventually(feed_delivered)
    held = by_channel["email"]
    assert held["status"] == "created"
    morning = datetime(2026, 11, 28, 6, 30, tzinfo=VIETNAM)
    assert datetime.fromisoformat(held["next_attempt_at"]) == morning

    await notify.request(user_ids=[user], channels=["email"], critical=True, idempotency_key="hoa-toc")
    assert (await notify.settled("hoa-toc"))["deliveries"][0]["status"] == "delivered"
    assert len(notify.mails()) == 1

    await notify.advance(morning - notify.clock.now() - timedelta(seconds=1))
    assert len(notify.mails()) == 1
    await notify.advance(timedelta(seconds=1))
    settled = await notify.settled("night")
    assert {d["status"] for d in settled["deliveries"]} == {"delivered"}
    assert len(notify.mails()) == 2
