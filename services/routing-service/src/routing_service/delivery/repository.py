from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy import ColumnElement, Join, and_, case, func, join, or_, select

from kit_contracts import BusinessType, StatusCode, Urgency
from kit_db import RepositoryBase
from routing_service import models

# Not overdue whatever the deadline: done, or refused at the door.
SETTLED: tuple[str, ...] = (StatusCode.COMPLETED.value, StatusCode.REFUSED.value)
URGENCY_RANK: Final = {
    Urgency.FLASH.value: 0,
    Urgency.FLASH_TIMED.value: 0,
    Urgency.VERY_URGENT.value: 1,
    Urgency.URGENT.value: 2,
    Urgency.NORMAL.value: 3,
}
UNACKNOWLEDGED: tuple[str, ...] = ("pending", "failed")  # schemas.Transport, without importing upward


def overdue_condition(today: date) -> ColumnElement[bool]:
    return and_(
        models.Delivery.business_type == BusinessType.NEW.value,
        models.Delivery.deadline.is_not(None),
        models.Delivery.deadline < today,
        or_(models.Delivery.status.is_(None), models.Delivery.status.not_in(SETTLED)),
    )


class DeliveryRepository(RepositoryBase[models.Delivery]):
    model = models.Delivery

    async def with_dispatch(self, delivery_id: UUID) -> tuple[models.Delivery, models.Dispatch] | None:
        stmt = (
            select(models.Delivery, models.Dispatch)
            .join(models.Dispatch, models.Dispatch.id == models.Delivery.dispatch_id)
            .where(models.Delivery.id == delivery_id)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return (row[0], row[1]) if row is not None else None

    async def of_dispatches(
        self, dispatch_ids: Collection[UUID], *, business_type: BusinessType | None = None
    ) -> Sequence[models.Delivery]:
        if not dispatch_ids:
            return []
        stmt = select(models.Delivery).where(models.Delivery.dispatch_id.in_(list(dispatch_ids)))
        if business_type is not None:
            stmt = stmt.where(models.Delivery.business_type == business_type.value)
        stmt = stmt.order_by(models.Delivery.recipient_code, models.Delivery.business_type)
        return (await self.session.execute(stmt)).scalars().all()

    async def add_statuses(self, entries: Sequence[models.DeliveryStatus]) -> None:
        if entries:
            self.session.add_all(entries)
            await self.session.flush()

    async def with_dispatches(
        self, delivery_ids: Collection[UUID]
    ) -> dict[UUID, tuple[models.Delivery, models.Dispatch]]:
        if not delivery_ids:
            return {}
        stmt = (
            select(models.Delivery, models.Dispatch)
            .join(models.Dispatch, models.Dispatch.id == models.Delivery.dispatch_id)
            .where(models.Delivery.id.in_(list(delivery_ids)))
        )
        return {row[0].id: (row[0], row[1]) for row in await self.session.execute(stmt)}

    async def trails(self, delivery_ids: Collection[UUID]) -> dict[UUID, list[models.DeliveryStatus]]:
        found: dict[UUID, list[models.DeliveryStatus]] = defaultdict(list)
        if delivery_ids:
            stmt = (
                select(models.DeliveryStatus)
                .where(models.DeliveryStatus.delivery_id.in_(list(delivery_ids)))
                .order_by(models.DeliveryStatus.recorded_at, models.DeliveryStatus.id)
            )
            for entry in (await self.session.execute(stmt)).scalars():
                found[entry.delivery_id].append(entry)
        return found

    @staticmethod
    def _inbox_conditions(
        recipient_org_id: UUID,
        *,
        status: str | None = None,
        no_status: bool = False,
        urgency: str | None = None,
        sender_org_id: UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        overdue_on: date | None = None,
    ) -> list[ColumnElement[bool]]:
        conditions = [models.Delivery.recipient_org_id == recipient_org_id]
        if no_status:
            conditions.append(models.Delivery.status.is_(None))
        elif status is not None:
            conditions.append(models.Delivery.status == status)
        if urgency is not None:
            conditions.append(models.IssuedDocument.urgency == urgency)
        if sender_org_id is not None:
            conditions.append(models.Dispatch.sender_org_id == sender_org_id)
        if since is not None:
            conditions.append(models.Delivery.created_at >= since)
        if until is not None:
            conditions.append(models.Delivery.created_at < until)
        if overdue_on is not None:
            conditions.append(overdue_condition(overdue_on))
        return conditions

    @staticmethod
    def _received() -> Join:
        """A delivery with its dispatch and the document it carries."""
        return join(models.Delivery, models.Dispatch, models.Dispatch.id == models.Delivery.dispatch_id).join(
            models.IssuedDocument, models.IssuedDocument.id == models.Dispatch.document_id
        )

    async def inbox(
        self, recipient_org_id: UUID, *, limit: int, offset: int, **filters: Any
    ) -> tuple[Sequence[tuple[models.Delivery, models.Dispatch]], int]:
        """Urgent first (Hỏa tốc, Thượng khẩn, Khẩn), then newest."""
        conditions = self._inbox_conditions(recipient_org_id, **filters)
        stmt = (
            select(models.Delivery, models.Dispatch)
            .select_from(self._received())
            .where(*conditions)
            .order_by(
                case(URGENCY_RANK, value=models.IssuedDocument.urgency, else_=len(URGENCY_RANK)),
                models.Delivery.created_at.desc(),
                models.Delivery.id.desc(),
            )
            .limit(limit)
            .offset(offset)
        )
        rows = [(d, p) for d, p in (await self.session.execute(stmt)).all()]
        total = (
            await self.session.execute(select(func.count()).select_from(self._received()).where(*conditions))
        ).scalar_one()
        return rows, int(total)

    async def inbox_counts(self, recipient_org_id: UUID, *, on: date) -> dict[str, int]:
        """Documents only (not recalls): all, new (not yet registered), new and urgent, overdue."""
        fresh = or_(models.Delivery.status.is_(None), models.Delivery.status == StatusCode.ARRIVED.value)
        urgent = and_(fresh, models.IssuedDocument.urgency != Urgency.NORMAL.value)
        stmt = (
            select(
                func.count(),
                func.count(case((fresh, 1))),
                func.count(case((urgent, 1))),
                func.count(case((overdue_condition(on), 1))),
            )
            .select_from(self._received())
            .where(
                models.Delivery.recipient_org_id == recipient_org_id,
                models.Delivery.business_type == BusinessType.NEW.value,
            )
        )
        total, new, urgent_new, overdue = (await self.session.execute(stmt)).one()
        return {"total": int(total), "new": int(new), "urgent": int(urgent_new), "overdue": int(overdue)}

    async def new_of_document(self, document_id: UUID) -> Sequence[tuple[models.Delivery, models.Dispatch]]:
        stmt = (
            select(models.Delivery, models.Dispatch)
            .join(models.Dispatch, models.Dispatch.id == models.Delivery.dispatch_id)
            .where(
                models.Dispatch.document_id == document_id,
                models.Delivery.business_type == BusinessType.NEW.value,
            )
            .order_by(models.Delivery.created_at, models.Delivery.id)
        )
        return [(d, p) for d, p in (await self.session.execute(stmt)).all()]

    async def latest_delivered(
        self, sender_org_id: UUID, recipient_org_id: UUID, exchange_id: str
    ) -> models.Delivery | None:
        """The latest document delivery (type 0) of ``exchange_id`` from the sender to the recipient."""
        stmt = (
            select(models.Delivery)
            .join(models.Dispatch, models.Dispatch.id == models.Delivery.dispatch_id)
            .where(
                models.Dispatch.sender_org_id == sender_org_id,
                models.Dispatch.exchange_id == exchange_id,
                models.Delivery.recipient_org_id == recipient_org_id,
                models.Delivery.business_type == BusinessType.NEW.value,
            )
            .order_by(models.Delivery.created_at.desc(), models.Delivery.id.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def revoked_ids(self, delivery_ids: Collection[UUID]) -> set[UUID]:
        """Those of ``delivery_ids`` a recall delivery already revokes."""
        if not delivery_ids:
            return set()
        stmt = select(models.Delivery.revokes_delivery_id).where(
            models.Delivery.revokes_delivery_id.in_(list(delivery_ids))
        )
        return {value for value in (await self.session.execute(stmt)).scalars() if value is not None}

    async def unacknowledged(self, *, before: datetime, limit: int) -> Sequence[models.Delivery]:
        """Local document deliveries (type 0) announced before ``before`` that no status has answered
        yet; locked, so two workers never announce one twice. Recalls, updates and replacements are
        not swept: docs-service turns them into flags with no automatic answer (a recall's answer is
        a person's), so silence there is not a lost package."""
        stmt = (
            select(models.Delivery)
            .where(
                models.Delivery.external.is_(False),
                models.Delivery.business_type == BusinessType.NEW.value,
                models.Delivery.status.is_(None),
                models.Delivery.transport.in_(UNACKNOWLEDGED),
                models.Delivery.last_attempt_at < before,
            )
            .order_by(models.Delivery.last_attempt_at, models.Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def dispatches(self, ids: Collection[UUID]) -> dict[UUID, models.Dispatch]:
        if not ids:
            return {}
        stmt = select(models.Dispatch).where(models.Dispatch.id.in_(list(ids)))
        return {d.id: d for d in (await self.session.execute(stmt)).scalars()}
