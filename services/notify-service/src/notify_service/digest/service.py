"""The daily digest: each user's pending and overdue work, e-mailed once a day at ``digest_time``
(Vietnam time).

What counts: a small per-user work list kept from the assignment requests notify records —
``assignment.created`` and ``assignment.due_soon`` open an item, ``assignment.overdue`` marks it
overdue, ``assignment.completed`` (a kind that messages nobody) closes it. An item is keyed by
``data.assignment_id`` (else ``document_id``, else ``number``), and is overdue when a request said so
or its ``due_date`` (dd/mm/yyyy or ISO) has passed. Items more than ``digest_forget_after_days`` past
their deadline (or, without one, not mentioned for that long) are no longer counted: notify is told
when work is assigned, not reliably when it is done.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_contracts import NotificationRequested
from kit_core import get_logger, new_id
from notify_service import models
from notify_service.dependencies import NotifyState
from notify_service.recipient.repository import UserRepository

from .repository import WorkItemRepository

log = get_logger(__name__)
VIETNAM: Final = timezone(timedelta(hours=7))
TRACKED: Final = ("assignment.created", "assignment.due_soon", "assignment.overdue", "assignment.completed")


def parse_due(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).astimezone(VIETNAM).date()
    except ValueError:
        return None


def item_key(request: NotificationRequested) -> str:
    for name in ("assignment_id", "document_id", "number"):
        value = request.data.get(name)
        if value:
            return f"{name}:{value}"[:200]
    return f"request:{request.idempotency_key}"[:200]


async def track(
    session: AsyncSession, request: NotificationRequested, users: list[UUID], *, now: datetime
) -> None:
    """Keep the work list in step with an assignment request (same transaction as the request)."""
    if request.kind not in TRACKED or not users:
        return
    repo = WorkItemRepository(session)
    key = item_key(request)
    if request.kind == "assignment.completed":
        await repo.close(users, key, now=now)
        return
    for user in users:
        await repo.upsert(
            {
                "user_id": user,
                "item_key": key,
                "number": str(request.data.get("number", ""))[:100],
                "subject": str(request.data.get("subject", ""))[:500],
                "due_on": parse_due(request.data.get("due_date")),
                "overdue": request.kind == "assignment.overdue",
                "open": True,
                "updated_at": now,
            }
        )


class Digest:
    def __init__(self, state: NotifyState, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.state, self.settings, self.clock = state, state.settings, state.clock
        self.sessionmaker = sessionmaker
        hours, minutes = (int(p) for p in self.settings.digest_time.split(":"))
        self.at = time(hours, minutes)
        self.done_on: date | None = None  # the day this worker finished a full pass

    async def run(self) -> int:
        """Record today's digest for every user with open work, once it is time; how many were new."""
        if not self.settings.digest_enabled:
            return 0
        now = self.clock.now()
        local = now.astimezone(VIETNAM)
        if local.time() < self.at:
            return 0
        today = local.date()
        if self.done_on == today:
            return 0  # one pass a day: work assigned later in the day waits for tomorrow's digest
        forget = timedelta(days=self.settings.digest_forget_after_days)
        async with self.sessionmaker() as session:
            items = await WorkItemRepository(session).open_items(
                keep_from=today - forget, touched_after=now - forget, not_sent_on=today
            )
        per_user: dict[UUID, list[models.WorkItem]] = defaultdict(list)
        for item in items:
            per_user[item.user_id].append(item)
        made = 0
        for user_id, work in per_user.items():
            made += await self._one(user_id, work, today=today, now=now)
        self.done_on = today
        return made

    async def _one(self, user_id: UUID, work: list[models.WorkItem], *, today: date, now: datetime) -> int:
        from notify_service.notification.service import notification as notification_service

        async with self.sessionmaker() as session, session.begin():
            repo = WorkItemRepository(session)
            notification_id = new_id()
            if not await repo.mark_sent(user_id, today, notification_id, now):
                return 0  # already done today (another worker, or an earlier tick)
            user = await UserRepository(session).get(user_id)
            overdue = [w for w in work if w.overdue or (w.due_on is not None and w.due_on < today)]
            request = NotificationRequested(
                request_id=notification_id,
                kind="digest.daily",
                user_ids=[user_id],
                channels=["email"],
                data={
                    "full_name": user.full_name if user else "",
                    "pending": len(work),
                    "overdue": len(overdue),
                    "items": [
                        {
                            "number": w.number,
                            "subject": w.subject,
                            "due_date": w.due_on.strftime("%d/%m/%Y") if w.due_on else "",
                            "overdue": w in overdue,
                        }
                        for w in work
                    ],
                },
                idempotency_key=f"digest.daily:{user_id}:{today.isoformat()}",
            )
            await notification_service.request(session, request, source="notify-service", state=self.state)
        log.info("digest.recorded", user_id=str(user_id), day=today.isoformat(), pending=len(work))
        return 1
