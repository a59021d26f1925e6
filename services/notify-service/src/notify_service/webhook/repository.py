from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, delete, select, update

from kit_db import RepositoryBase, insert_ignore_returning
from notify_service import models

WAITING = ("created", "temporary-failure")


class SubscriptionRepository(RepositoryBase[models.WebhookSubscription]):
    model = models.WebhookSubscription

    async def by_id(
        self, subscription_id: UUID, *, for_update: bool = False
    ) -> models.WebhookSubscription | None:
        stmt = select(models.WebhookSubscription).where(models.WebhookSubscription.id == subscription_id)
        if for_update:
            stmt = stmt.with_for_update()
        stmt = stmt.execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def listing(self, *, org_id: UUID | None) -> Sequence[models.WebhookSubscription]:
        stmt = select(models.WebhookSubscription).order_by(models.WebhookSubscription.created_at)
        if org_id is not None:
            stmt = stmt.where(models.WebhookSubscription.org_id == org_id)
        return (await self.session.execute(stmt)).scalars().all()

    async def for_orgs(self, org_ids: Sequence[UUID]) -> Sequence[models.WebhookSubscription]:
        stmt = select(models.WebhookSubscription).where(models.WebhookSubscription.org_id.in_(list(org_ids)))
        return (await self.session.execute(stmt)).scalars().all()


class WebhookDeliveryRepository(RepositoryBase[models.WebhookDelivery]):
    model = models.WebhookDelivery

    async def add_new(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert, skipping (subscription, event) pairs already recorded; how many were new."""
        table = cast(Table, models.WebhookDelivery.__table__)
        return len(await insert_ignore_returning(self.session, table, list(rows), table.c.id))

    async def claim_due(self, *, now: datetime, limit: int) -> Sequence[models.WebhookDelivery]:
        """Mark due deliveries of active subscriptions as sending (SKIP LOCKED on PostgreSQL)."""
        D, S = models.WebhookDelivery, models.WebhookSubscription
        due = (
            select(D.id)
            .join(S, S.id == D.subscription_id)
            .where(
                D.status.in_(WAITING), D.next_attempt_at <= now, S.status == models.SubscriptionStatus.ACTIVE
            )
            .order_by(D.next_attempt_at, D.id)
            .limit(limit)
            .with_for_update(of=D, skip_locked=True)
        )
        ids = list((await self.session.execute(due)).scalars())
        if not ids:
            return []
        await self.session.execute(
            update(D).where(D.id.in_(ids)).values(status="sending", claimed_at=now, updated_at=now)
        )
        stmt = (
            select(D)
            .where(D.id.in_(ids))
            .order_by(D.next_attempt_at, D.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def by_id(self, delivery_id: UUID) -> models.WebhookDelivery | None:
        stmt = (
            select(models.WebhookDelivery)
            .where(models.WebhookDelivery.id == delivery_id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def release_stuck(self, *, claimed_before: datetime, now: datetime) -> int:
        D = models.WebhookDelivery
        result: Any = await self.session.execute(
            update(D)
            .where(D.status == "sending", D.claimed_at < claimed_before)
            .values(status="temporary-failure", next_attempt_at=now, updated_at=now)
        )
        return int(result.rowcount or 0)

    async def purge(self, *, finished_before: datetime) -> int:
        """Delete deliveries that ended (delivered or failed for good) before ``finished_before``."""
        D = models.WebhookDelivery
        result: Any = await self.session.execute(
            delete(D).where(
                D.status.in_(("delivered", "permanent-failure")), D.completed_at < finished_before
            )
        )
        return int(result.rowcount or 0)

    async def requeue(self, subscription_id: UUID, *, now: datetime) -> int:
        """Everything of this subscription still waiting becomes due now (after a resume)."""
        D = models.WebhookDelivery
        result: Any = await self.session.execute(
            update(D)
            .where(D.subscription_id == subscription_id, D.status.in_(WAITING))
            .values(next_attempt_at=now, updated_at=now)
        )
        return int(result.rowcount or 0)

    async def recent(
        self, subscription_id: UUID, *, status: str | None, limit: int
    ) -> Sequence[models.WebhookDelivery]:
        D = models.WebhookDelivery
        stmt = select(D).where(D.subscription_id == subscription_id)
        if status is not None:
            stmt = stmt.where(D.status == status)
        stmt = stmt.order_by(D.created_at.desc(), D.id.desc()).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()
