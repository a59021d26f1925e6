from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update

from kit_db import RepositoryBase
from notify_service import models

S = models.DeliveryStatus
WAITING = (S.CREATED.value, S.TEMPORARY_FAILURE.value)


class DeliveryRepository(RepositoryBase[models.Delivery]):
    model = models.Delivery

    async def claim_due(
        self, *, now: datetime, channels: Sequence[str], limit: int
    ) -> Sequence[models.Delivery]:
        """Mark up to ``limit`` due deliveries as sending and return them.

        PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers never claim the same row;
        SQLite has one writer at a time, and the clause is not rendered there.
        """
        due = (
            select(models.Delivery.id)
            .where(
                models.Delivery.status.in_(WAITING),
                models.Delivery.next_attempt_at <= now,
                models.Delivery.channel.in_(list(channels)),
            )
            .order_by(models.Delivery.next_attempt_at, models.Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self.session.execute(due)).scalars())
        if not ids:
            return []
        await self.session.execute(
            update(models.Delivery)
            .where(models.Delivery.id.in_(ids))
            .values(status=S.SENDING.value, claimed_at=now, updated_at=now)
        )
        stmt = (
            select(models.Delivery)
            .where(models.Delivery.id.in_(ids))
            .order_by(models.Delivery.next_attempt_at, models.Delivery.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def release_stuck(self, *, claimed_before: datetime, now: datetime) -> int:
        """Deliveries claimed before ``claimed_before`` and never finished (a crash mid-send) go back in line."""
        stmt = (
            update(models.Delivery)
            .where(
                models.Delivery.status == S.SENDING.value,
                models.Delivery.sent_at.is_(None),
                models.Delivery.claimed_at < claimed_before,
            )
            .values(
                status=S.TEMPORARY_FAILURE.value,
                next_attempt_at=now,
                updated_at=now,
                error="sending was interrupted (the worker stopped mid-send); retrying",
            )
        )
        result: Any = await self.session.execute(stmt)
        return int(result.rowcount or 0)

    async def expire_unconfirmed(self, *, sent_before: datetime, now: datetime) -> int:
        """Accepted before ``sent_before`` and never confirmed by a receipt: permanent-failure (not
        retried: the message may well have arrived, and a second copy of a code is no help)."""
        stmt = (
            update(models.Delivery)
            .where(
                models.Delivery.status == S.SENDING.value,
                models.Delivery.sent_at.is_not(None),
                models.Delivery.sent_at < sent_before,
            )
            .values(
                status=S.PERMANENT_FAILURE.value,
                completed_at=now,
                updated_at=now,
                error="the provider accepted it but sent no delivery receipt in time",
            )
        )
        result: Any = await self.session.execute(stmt)
        return int(result.rowcount or 0)

    async def sent_since(
        self, user_id: UUID, channel: str, *, since: datetime, critical: bool
    ) -> list[datetime]:
        """When this user was sent something on ``channel`` since ``since`` (critical and not counted apart)."""
        stmt = (
            select(models.Delivery.sent_at)
            .where(
                models.Delivery.user_id == user_id,
                models.Delivery.channel == channel,
                models.Delivery.sent_at > since,
                models.Delivery.critical.is_(critical),
            )
            .order_by(models.Delivery.sent_at)
        )
        return [t for t in (await self.session.execute(stmt)).scalars() if t is not None]

    async def depth(self) -> dict[tuple[str, str], int]:
        stmt = (
            select(models.Delivery.channel, models.Delivery.status, func.count())
            .where(models.Delivery.status.in_([*WAITING, S.SENDING.value]))
            .group_by(models.Delivery.channel, models.Delivery.status)
        )
        return {(c, s): int(n) for c, s, n in (await self.session.execute(stmt)).all()}

    async def by_id(self, delivery_id: UUID) -> models.Delivery | None:
        stmt = (
            select(models.Delivery)
            .where(models.Delivery.id == delivery_id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def notification_key(self, notification_id: UUID) -> str:
        stmt = select(models.Notification.idempotency_key).where(models.Notification.id == notification_id)
        return str((await self.session.execute(stmt)).scalar_one())
