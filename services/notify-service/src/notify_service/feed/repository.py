from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, func, select, update

from kit_db import RepositoryBase, insert_ignore_returning
from notify_service import models


class FeedItemRepository(RepositoryBase[models.FeedItem]):
    model = models.FeedItem

    async def add_missing(self, rows: Sequence[dict[str, Any]]) -> list[UUID]:
        """Insert the items whose (user, idempotency key) is new; return the ids of those inserted."""
        table = cast(Table, models.FeedItem.__table__)
        return await insert_ignore_returning(self.session, table, rows, table.c.id)

    async def feed(self, user_id: UUID, *, unread_only: bool, limit: int) -> Sequence[models.FeedItem]:
        stmt = select(models.FeedItem).where(models.FeedItem.user_id == user_id)
        if unread_only:
            stmt = stmt.where(models.FeedItem.read_at.is_(None))
        # ids are UUIDv7, so they break ties between items created in the same instant in creation order.
        stmt = stmt.order_by(models.FeedItem.created_at.desc(), models.FeedItem.id.desc()).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def unread_count(self, user_id: UUID) -> int:
        stmt = (
            select(func.count())
            .select_from(models.FeedItem)
            .where(models.FeedItem.user_id == user_id, models.FeedItem.read_at.is_(None))
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def of_user(self, item_id: UUID, *, user_id: UUID) -> models.FeedItem | None:
        stmt = select(models.FeedItem).where(
            models.FeedItem.id == item_id, models.FeedItem.user_id == user_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def mark_read(self, item_id: UUID, *, user_id: UUID, at: datetime) -> None:
        # Only the first read stamps read_at, so repeating the call (or racing it) changes nothing.
        stmt = (
            update(models.FeedItem)
            .where(
                models.FeedItem.id == item_id,
                models.FeedItem.user_id == user_id,
                models.FeedItem.read_at.is_(None),
            )
            .values(read_at=at)
        )
        await self.session.execute(stmt)

    async def since(self, user_id: UUID, after: UUID, *, limit: int = 200) -> Sequence[models.FeedItem]:
        """The user's items newer than ``after`` (ids are UUIDv7, so they sort by creation), oldest first."""
        stmt = (
            select(models.FeedItem)
            .where(models.FeedItem.user_id == user_id, models.FeedItem.id > after)
            .order_by(models.FeedItem.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def recent(self, user_id: UUID, since: datetime, *, limit: int = 200) -> Sequence[models.FeedItem]:
        """The user's items created at or after ``since``, oldest first."""
        stmt = (
            select(models.FeedItem)
            .where(models.FeedItem.user_id == user_id, models.FeedItem.created_at >= since)
            .order_by(models.FeedItem.created_at, models.FeedItem.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()
