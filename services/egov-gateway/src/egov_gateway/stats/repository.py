from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, case, distinct, func, select

from egov_gateway import models
from kit_db import RepositoryBase

D, C = models.StatsDelivery, models.StatsCompletion


class StatsRepository(RepositoryBase[models.StatsDelivery]):
    model = models.StatsDelivery

    async def add_delivery(self, row: models.StatsDelivery) -> bool:
        """Record a delivery once; False when it was already there."""
        if await self.session.get(models.StatsDelivery, row.delivery_id) is not None:
            return False
        self.session.add(row)
        await self.session.flush()
        return True

    async def complete(self, delivery_id: UUID, at: datetime) -> None:
        """Keep the earliest 06 of a delivery (a replayed or later 06 changes nothing)."""
        existing = await self.session.get(models.StatsCompletion, delivery_id)
        if existing is None:
            self.session.add(models.StatsCompletion(delivery_id=delivery_id, completed_at=at))
        elif at < existing.completed_at:
            existing.completed_at = at
        await self.session.flush()

    async def sent(self, month: str, agencies: Sequence[UUID] | None) -> dict[UUID, tuple[int, int, int]]:
        """Per sending agency of ours: distinct documents sent, of which through the axis, of which signed."""
        stmt = (
            select(
                D.sender_org_id,
                func.count(distinct(D.document_id)),
                func.count(distinct(case((D.outbound_axis, D.document_id)))),
                func.count(distinct(case((D.signed, D.document_id)))),
            )
            .where(D.month == month, D.inbound_axis.is_(False))
            .group_by(D.sender_org_id)
        )
        if agencies is not None:
            stmt = stmt.where(D.sender_org_id.in_(agencies))
        return {
            agency: (total, axis, signed) for agency, total, axis, signed in await self.session.execute(stmt)
        }

    async def received(
        self, month: str, agencies: Sequence[UUID] | None
    ) -> dict[UUID, tuple[int, int, int, int, int, int]]:
        """Per receiving agency of ours: deliveries received, through the axis, signed, completed on time,
        completed late, and not completed."""
        done = C.completed_at.is_not(None)
        on_time = and_(done, (D.due_at.is_(None)) | (C.completed_at <= D.due_at))
        late = and_(done, D.due_at.is_not(None), C.completed_at > D.due_at)
        stmt = (
            select(
                D.recipient_org_id,
                func.count(),
                func.count(case((D.inbound_axis, 1))),
                func.count(case((D.signed, 1))),
                func.count(case((on_time, 1))),
                func.count(case((late, 1))),
                func.count(case((C.completed_at.is_(None), 1))),
            )
            .select_from(D)
            .outerjoin(C, C.delivery_id == D.delivery_id)
            .where(D.month == month, D.outbound_axis.is_(False))
            .group_by(D.recipient_org_id)
        )
        if agencies is not None:
            stmt = stmt.where(D.recipient_org_id.in_(agencies))
        return {
            row[0]: (row[1], row[2], row[3], row[4], row[5], row[6])
            for row in await self.session.execute(stmt)
        }

    async def publication(self, agency_id: UUID, month: str) -> models.StatsPublication | None:
        return await self.session.get(models.StatsPublication, (agency_id, month))

    async def published(self, agency_id: UUID, month: str, sha256: str, at: datetime) -> None:
        existing = await self.publication(agency_id, month)
        if existing is None:
            self.session.add(
                models.StatsPublication(agency_id=agency_id, month=month, sha256=sha256, published_at=at)
            )
        else:
            existing.sha256, existing.published_at = sha256, at
        await self.session.flush()
