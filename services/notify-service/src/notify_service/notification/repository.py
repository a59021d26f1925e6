from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import selectinload

from kit_db import RepositoryBase, dialect_name, insert_ignore_returning
from notify_service import models


class NotificationRepository(RepositoryBase[models.Notification]):
    model = models.Notification

    async def add_if_new(self, row: dict[str, Any]) -> bool:
        """Insert unless the idempotency key exists (a concurrent twin included); True if inserted."""
        table = cast(Table, models.Notification.__table__)
        return bool(await insert_ignore_returning(self.session, table, [row], table.c.id))

    async def by_key(self, key: str) -> models.Notification | None:
        stmt = (
            select(models.Notification)
            .where(models.Notification.idempotency_key == key)
            .options(selectinload(models.Notification.deliveries).selectinload(models.Delivery.attempt_log))
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def full(self, notification_id: UUID) -> models.Notification | None:
        stmt = (
            select(models.Notification)
            .where(models.Notification.id == notification_id)
            .options(selectinload(models.Notification.deliveries).selectinload(models.Delivery.attempt_log))
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def created_by_since(self, source: str, since: datetime) -> list[datetime]:
        """When ``source`` created notifications after ``since``, oldest first."""
        stmt = (
            select(models.Notification.created_at)
            .where(models.Notification.source == source, models.Notification.created_at > since)
            .order_by(models.Notification.created_at)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def add_deliveries(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(models.Delivery), list(rows))

    async def announce(self, channel: str) -> None:
        """PostgreSQL: NOTIFY ``channel`` when this transaction commits (a sender in another process
        wakes at once); SQLite: nothing (one process, woken in memory)."""
        if dialect_name(self.session) == "postgresql":
            await self.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})

    async def search(
        self,
        *,
        org_id: UUID | None,
        source: str | None = None,
        kind: str | None,
        user_id: UUID | None,
        status: str | None,
        since: datetime | None,
        limit: int,
    ) -> Sequence[models.Notification]:
        stmt = select(models.Notification).options(
            selectinload(models.Notification.deliveries).selectinload(models.Delivery.attempt_log)
        )
        if org_id is not None:
            stmt = stmt.where(models.Notification.org_id == org_id)
        if source is not None:
            stmt = stmt.where(models.Notification.source == source)
        if kind is not None:
            stmt = stmt.where(models.Notification.kind == kind)
        if since is not None:
            stmt = stmt.where(models.Notification.created_at >= since)
        if user_id is not None or status is not None:
            matching = select(models.Delivery.notification_id)
            if user_id is not None:
                matching = matching.where(models.Delivery.user_id == user_id)
            if status is not None:
                matching = matching.where(models.Delivery.status == status)
            stmt = stmt.where(models.Notification.id.in_(matching))
        stmt = stmt.order_by(models.Notification.created_at.desc(), models.Notification.id.desc()).limit(
            limit
        )
        return (await self.session.execute(stmt)).scalars().all()
