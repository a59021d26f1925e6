"""E-mail over a real SMTP server (aiosmtpd on a free port) and into the embedded mode's folder."""

from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header
from email.policy import compat32
from uuid import uuid4

import pytest
from notify_harness import SmtpSink, smtp_settings
from sqlalchemy import select

from kit_bus.testing import eventually
from notify_service import models


@pytest.fixture
def sink():
    return SmtpSink()


@pytest.fixture
def overrides(sink):
    return smtp_settings(sink) | {"retry_base_seconds": 60, "retry_max_seconds": 600}


def parts(message):
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html


async def test_a_welcome_arrives_with_its_vietnamese_subject_and_both_parts(notify, sink):
    sink.start()
    try:
        user = await notify.user(email="an.nv@ninhbinh.gov.vn", full_name="Nguyễn <Văn> An")
        await notify.request(
            user_ids=[user],
            channels=["email"],
            data={"full_name": "Nguyễn <Văn> An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"},
            idempotency_key="welcome-mail",
        )
        settled = await notify.settled("welcome-mail")
    finally:
        sink.stop()
    [delivery] = settled["deliveries"]
    assert delivery["status"] == "delivered", delivery
    assert delivery["address"] == "an.nv@ninhbinh.gov.vn"
    assert delivery["provider"] == "smtp"
    [attempt] = delivery["attempt_log"]
    assert (attempt["number"], attempt["provider"], attempt["outcome"]) == (1, "smtp", "delivered")

    [(mail_from, rcpt_tos, raw)] = sink.handler.received  # once, though the request event came twice
    assert rcpt_tos == ["an.nv@ninhbinh.gov.vn"]
    assert mail_from == "no-reply@vanban.gov.vn"
    raw.decode("ascii")  # nothing but ASCII on the wire: the UTF-8 travels encoded
    raw_subject = str(message_from_bytes(raw, policy=compat32)["Subject"])
    assert raw_subject.lower().startswith("=?utf-8?")  # RFC 2047 encoded words
    [message] = sink.messages()
    decoded = "".join(
        part.decode(charset or "ascii") if isinstance(part, bytes) else part
        for part, charset in decode_header(raw_subject)
    )
    assert decoded == message["Subject"] == "Tài khoản của bạn đã được tạo"
    assert message["To"] == "an.nv@ninhbinh.gov.vn"
    assert message["X-Notify-Reference"] == delivery["id"]
    assert message.get_content_type() == "multipart/alternative"
    plain, html = parts(message)
    assert "Xin chào Nguyễn <Văn> An," in plain
    assert "UBND tỉnh Ninh Bình" in plain
    assert "Nguyễn &lt;Văn&gt; An" in html  # autoescaped in the HTML part
    assert "<Văn>" not in html


async def test_a_server_that_is_down_is_retried_with_backoff_until_it_takes_the_mail(notify, sink):
    user = await notify.user(email="binh.tt@ninhbinh.gov.vn")
    await notify.request(user_ids=[user], channels=["email"], idempotency_key="retry-mail")
    failed = await notify.settled("retry-mail", statuses={"temporary-failure"})
    [delivery] = failed["deliveries"]
    assert delivery["attempts"] == 1
    assert delivery["error"]  # the connection error
    [attempt] = delivery["attempt_log"]
    assert attempt["outcome"] == "temporary-failure"
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(
        attempt["finished_at"]
    )
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)  # base 60 s, jittered to 50-100 %

    sink.start()
    try:
        await notify.advance(timedelta(seconds=30))  # not due yet, unless the jitter made it 30 s
        await notify.advance(timedelta(seconds=31))
        settled = await notify.settled("retry-mail")
    finally:
        sink.stop()
    [delivery] = settled["deliveries"]
    assert delivery["status"] == "delivered"
    assert [a["outcome"] for a in delivery["attempt_log"]] == ["temporary-failure", "delivered"]
    assert len(sink.handler.received) == 1


async def test_temporary_failures_end_in_permanent_failure_after_max_attempts(notify):
    notify.settings.max_attempts = 2
    user = await notify.user()
    await notify.request(user_ids=[user], channels=["email"], idempotency_key="give-up")
    await notify.settled("give-up", statuses={"temporary-failure"})
    await notify.advance(timedelta(seconds=601))
    [delivery] = (await notify.settled("give-up"))["deliveries"]
    assert delivery["status"] == "permanent-failure"
    assert "gave up after 2 attempts" in delivery["error"]
    assert [a["outcome"] for a in delivery["attempt_log"]] == ["temporary-failure", "permanent-failure"]


async def test_a_refused_mailbox_fails_at_once(notify, sink):
    sink.handler.refuse.add("nobody@ninhbinh.gov.vn")
    sink.start()
    try:
        user = await notify.user(email="nobody@ninhbinh.gov.vn")
        await notify.request(user_ids=[user], channels=["email"], idempotency_key="refused")
        settled = await notify.settled("refused")
    finally:
        sink.stop()
    [delivery] = settled["deliveries"]
    assert delivery["status"] == "permanent-failure"
    assert delivery["attempts"] == 1
    assert "550" in delivery["error"]


async def test_an_address_waits_for_identitys_snapshot_and_a_user_without_one_fails(notify, sink):
    sink.start()
    try:
        later = uuid4()
        await notify.request(user_ids=[later], channels=["email"], idempotency_key="early")
        early = await notify.settled("early", statuses={"temporary-failure"})
        assert "has not told notify" in early["deliveries"][0]["error"]
        await notify.user(user_id=later, email="muon@ninhbinh.gov.vn")
        await notify.advance(timedelta(seconds=61))
        settled = await notify.settled("early")
        assert settled["deliveries"][0]["status"] == "delivered"
        assert settled["deliveries"][0]["address"] == "muon@ninhbinh.gov.vn"

        no_mail = await notify.user(email=None)
        await notify.request(user_ids=[no_mail], channels=["email"], idempotency_key="no-mail")
        [delivery] = (await notify.settled("no-mail"))["deliveries"]
        assert delivery["status"] == "permanent-failure"
        assert "no e-mail address on file" in delivery["error"]
    finally:
        sink.stop()
    assert [m["To"] for m in sink.messages()] == ["muon@ninhbinh.gov.vn"]


async def test_the_rate_limit_holds_the_third_mail_for_an_hour_but_not_a_critical_one(notify, sink):
    notify.settings.rate_limit_per_hour = 2
    sink.start()
    try:
        user = await notify.user()
        for n in range(2):
            await notify.request(user_ids=[user], channels=["email"], idempotency_key=f"rl-{n}")
            await notify.settled(f"rl-{n}")
        await notify.request(user_ids=[user], channels=["email"], idempotency_key="rl-2")
        held = await notify.notification("rl-2")

        async def postponed():
            body = (await notify.admin().get(f"/api/v1/notifications/{held['id']}")).json()
            d = body["deliveries"][0]
            return d if d["error"] and "rate limit" in d["error"] else None

        delivery = await eventually(postponed)
        assert delivery["status"] == "created"
        assert delivery["attempts"] == 0
        assert datetime.fromisoformat(delivery["next_attempt_at"]) == notify.clock.now() + timedelta(hours=1)

        await notify.request(
            user_ids=[user],
            kind="auth.otp",
            channels=["email"],
            critical=True,
            data={"code": "271828"},
            idempotency_key="otp-mail",
        )
        otp = await notify.settled("otp-mail")
        assert otp["deliveries"][0]["status"] == "delivered"

        await notify.advance(timedelta(hours=1))
        settled = await notify.settled("rl-2")
        assert settled["deliveries"][0]["status"] == "delivered"
    finally:
        sink.stop()
    assert len(sink.handler.received) == 4


async def test_a_delivery_left_sending_by_a_crashed_worker_is_sent_again(notify, sink):
    notify.settings.sending_timeout_seconds = 300
    user = await notify.user()
    await notify.request(user_ids=[user], channels=["email"], idempotency_key="stuck")
    [delivery] = (await notify.settled("stuck", statuses={"temporary-failure"}))["deliveries"]
    await notify.force_sending(delivery["id"], claimed_ago=timedelta(seconds=10))
    sink.start()
    try:
        await notify.advance(timedelta(seconds=200))  # not yet stuck for long enough
        rows = await notify.running.rows(select(models.Delivery.status))
        assert [r[0] for r in rows] == ["sending"]
        await notify.advance(timedelta(seconds=200))
        settled = await notify.settled("stuck")
    finally:
        sink.stop()
    assert settled["deliveries"][0]["status"] == "delivered"
    assert len(sink.handler.received) == 1
