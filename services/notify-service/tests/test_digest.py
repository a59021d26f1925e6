"""The daily digest: from the assignment requests notify recorded, one e-mail per user per day at
NOTIFY_DIGEST_TIME (Vietnam time), none for a user with nothing pending; the clock is injected."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notify_harness import Notify

from kit_bus.testing import eventually


@pytest.fixture
def start() -> datetime:
    return datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 07:00 in Hà Nội


async def digests(notify: Notify) -> list[dict[str, Any]]:
    response = await notify.admin().get("/api/v1/notifications", params={"kind": "digest.daily"})
    assert response.status_code == 200, response.text
    return list(response.json())


async def assign(notify: Notify, user: Any, kind: str, assignment: str, due: str, number: str) -> None:
    key = f"{kind}:{assignment}"
    await notify.request(
        user_ids=[user],
        kind=kind,
        idempotency_key=key,
        data={
            "assignment_id": assignment,
            "assigner_name": "Trần Thị Bình",
            "number": number,
            "subject": f"Về việc {number}",
            "due_date": due,
        },
    )
    await notify.notification(key)


async def test_one_digest_per_user_per_day_with_pending_and_overdue_work(notify: Notify) -> None:
    busy = await notify.user(email="an.nv@ninhbinh.gov.vn", full_name="Nguyễn Văn An")
    done = await notify.user(email="binh.tt@ninhbinh.gov.vn", full_name="Trần Thị Bình")
    idle = await notify.user(email="cuong.lv@ninhbinh.gov.vn", full_name="Lê Văn Cường")
    assert idle
    await assign(notify, busy, "assignment.created", "a1", "05/12/2026", "101/SNV-VP")
    await assign(notify, busy, "assignment.created", "a2", "30/11/2026", "102/SNV-VP")
    await assign(notify, busy, "assignment.overdue", "a2", "30/11/2026", "102/SNV-VP")
    await assign(notify, busy, "assignment.created", "a3", "2026-11-20", "103/SNV-VP")  # its deadline passed
    await assign(notify, busy, "assignment.created", "a2", "30/11/2026", "102/SNV-VP")  # late: still overdue
    await assign(notify, done, "assignment.created", "b1", "05/12/2026", "201/SNV-VP")
    await assign(notify, done, "assignment.completed", "b1", "05/12/2026", "201/SNV-VP")

    await notify.advance(timedelta(minutes=20))  # 07:20: not yet
    await asyncio.sleep(0.3)
    assert await digests(notify) == []

    await notify.advance(timedelta(minutes=11))  # 07:31
    [first] = await eventually(lambda: digests(notify), within=10)
    assert first["idempotency_key"] == f"digest.daily:{busy}:2026-11-27"
    assert first["source"] == "notify-service"
    settled = await notify.settled(first["idempotency_key"])
    assert [(d["user_id"], d["channel"], d["status"]) for d in settled["deliveries"]] == [
        (str(busy), "email", "delivered")
    ]
    [mail] = [m for m in notify.mails() if m["Subject"] == "Tổng hợp công việc hằng ngày"]
    assert mail["To"] == "an.nv@ninhbinh.gov.vn"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Xin chào Nguyễn Văn An" in text
    assert "Bạn có 3 văn bản đang chờ xử lý, trong đó 2 văn bản đã quá hạn." in text
    assert "102/SNV-VP: Về việc 102/SNV-VP (hạn xử lý 30/11/2026, đã quá hạn)" in text
    assert "101/SNV-VP: Về việc 101/SNV-VP (hạn xử lý 05/12/2026)" in text

    await notify.advance(timedelta(hours=3))  # later the same day: nothing more
    await asyncio.sleep(0.3)
    assert len(await digests(notify)) == 1

    await notify.advance(timedelta(days=1))  # the next day: again, for the same user only
    await eventually(lambda: _count(notify, 2), within=10)
    keys = sorted(d["idempotency_key"] for d in await digests(notify))
    assert keys == [f"digest.daily:{busy}:2026-11-27", f"digest.daily:{busy}:2026-11-28"]


async def _count(notify: Notify, n: int) -> bool:
    return len(await digests(notify)) == n
