from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, or_, select, update

from kit_db import RepositoryBase, dialect_name, insert_ignore_returning
from notify_service import models


class WorkItemRepository(RepositoryBase[models.WorkItem]):
    model = models.WorkItem

    async def upsert(self, row: dict[str, Any]) -> None:
        """Insert or update (user, item): text and deadline follow the latest request; overdue and
        completion only ever move forward (a late created after an overdue does not undo it)."""
        from sqlalchemy.dialects import postgresql, sqlite

        module = postgresql if dialect_name(self.session) == "postgresql" else sqlite
        table = cast(Table, models.WorkItem.__table__)
        stmt = module.insert(table).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "item_key"],
            set_={
                "number": stmt.excluded.number,
                "subject": stmt.excluded.subject,
                "due_on": stmt.excluded.due_on,
                "overdue": table.c.overdue | stmt.excluded.overdue,
                "open": table.c.open & stmt.excluded.open,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await self.session.execute(stmt)

    async def close(self, user_ids: Sequence[UUID], item_key: str, *, now: datetime) -> None:
        W = models.WorkItem
        await self.session.execute(
            update(W)
            .where(W.user_id.in_(list(user_ids)), W.item_key == item_key)
            .values(open=False, updated_at=now)
        )

    async def open_items(
        self, *, keep_from: date, touched_after: datetime, not_sent_on: date
    ) -> Sequence[models.WorkItem]:
        """Open items not yet forgotten (due on or after ``keep_from``, or without a deadline and
        touched lately) of users whose digest for ``not_sent_on`` is not recorded yet."""
        W, D = models.WorkItem, models.DigestSent
        sent = select(D.user_id).where(D.day == not_sent_on)
        stmt = (
            select(W)
            .where(
                W.open.is_(True),
                or_(W.due_on >= keep_from, W.due_on.is_(None) & (W.updated_at > touched_after)),
                W.user_id.not_in(sent),
            )
            .order_by(W.user_id, W.due_on, W.item_key)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def mark_sent(self, user_id: UUID, day: date, notification_id: UUID, now: datetime) -> bool:
        """Claim today's digest for ``user_id``; False if it was already recorded."""
        table = cast(Table, models.DigestSent.__table__)
        row = {"user_id": user_id, "day": day, "notification_id": notification_id, "created_at": now}
        return bool(await insert_ignore_returning(self.session, table, [row], table.c.user_id))
