from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import select

from kit_db import RepositoryBase
from routing_service import models


class IssuedDocumentRepository(RepositoryBase[models.IssuedDocument]):
    model = models.IssuedDocument

    async def by_ids(self, ids: Collection[UUID]) -> dict[UUID, models.IssuedDocument]:
        if not ids:
            return {}
        stmt = select(models.IssuedDocument).where(models.IssuedDocument.id.in_(list(ids)))
        return {doc.id: doc for doc in (await self.session.execute(stmt)).scalars()}


class DispatchRepository(RepositoryBase[models.Dispatch]):
    model = models.Dispatch

    async def by_key(self, sender_org_id: UUID, idempotency_key: str) -> models.Dispatch | None:
        stmt = select(models.Dispatch).where(
            models.Dispatch.sender_org_id == sender_org_id, models.Dispatch.idempotency_key == idempotency_key
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_sender(self, sender_org_id: UUID, *, limit: int, offset: int) -> Sequence[models.Dispatch]:
        stmt = (
            select(models.Dispatch)
            .where(models.Dispatch.sender_org_id == sender_org_id)
            .order_by(models.Dispatch.created_at.desc(), models.Dispatch.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def forwards_of(self, delivery_ids: Collection[UUID]) -> Sequence[models.Dispatch]:
        """The dispatches that forward any of ``delivery_ids``."""
        if not delivery_ids:
            return []
        stmt = select(models.Dispatch).where(models.Dispatch.parent_delivery_id.in_(list(delivery_ids)))
        return (await self.session.execute(stmt)).scalars().all()
