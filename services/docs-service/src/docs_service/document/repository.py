from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import func, select

from docs_service import models
from kit_db import RepositoryBase


class DocumentRepository(RepositoryBase[models.Document]):
    model = models.Document

    async def for_update(self, document_id: UUID) -> models.Document | None:
        """The document, locked until the transaction ends (PostgreSQL; SQLite's writers queue anyway),
        so two steps on one document cannot both pass the status check."""
        stmt = select(models.Document).where(models.Document.id == document_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_idempotency_key(self, org_id: UUID, key: str) -> models.Document | None:
        stmt = select(models.Document).where(
            models.Document.org_id == org_id, models.Document.idempotency_key == key
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_delivery(self, delivery_id: UUID) -> models.Document | None:
        stmt = select(models.Document).where(models.Document.delivery_id == delivery_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def delivered(self, delivery_ids: Collection[UUID]) -> set[UUID]:
        """Which of these deliveries already have their incoming copy."""
        stmt = select(models.Document.delivery_id).where(models.Document.delivery_id.in_(list(delivery_ids)))
        return {d for d in (await self.session.execute(stmt)).scalars() if d is not None}

    async def incoming_by_exchange_id(self, org_id: UUID, exchange_id: str) -> models.Document | None:
        """The agency's latest incoming copy of the document the sender calls ``exchange_id``."""
        stmt = (
            select(models.Document)
            .where(
                models.Document.org_id == org_id,
                models.Document.direction == models.Direction.INCOMING,
                models.Document.exchange_id == exchange_id,
            )
            .order_by(models.Document.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self,
        org_id: UUID,
        *,
        direction: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[models.Document], int]:
        where = [models.Document.org_id == org_id]
        if direction is not None:
            where.append(models.Document.direction == direction)
        if status is not None:
            where.append(models.Document.status == status)
        total = (
            await self.session.execute(select(func.count()).select_from(models.Document).where(*where))
        ).scalar_one()
        stmt = (
            select(models.Document)
            .where(*where)
            .order_by(models.Document.created_at.desc(), models.Document.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(stmt)).scalars().all(), int(total)


class DocumentVersionRepository(RepositoryBase[models.DocumentVersion]):
    model = models.DocumentVersion

    async def of_document(self, document_id: UUID) -> Sequence[models.DocumentVersion]:
        stmt = (
            select(models.DocumentVersion)
            .where(models.DocumentVersion.document_id == document_id)
            .order_by(models.DocumentVersion.version)
        )
        return (await self.session.execute(stmt)).scalars().all()


class DocumentFlagRepository(RepositoryBase[models.DocumentFlag]):
    model = models.DocumentFlag

    async def by_delivery(self, delivery_id: UUID) -> models.DocumentFlag | None:
        stmt = select(models.DocumentFlag).where(models.DocumentFlag.delivery_id == delivery_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def delivered(self, delivery_ids: Collection[UUID]) -> set[UUID]:
        """Which of these deliveries already raised their flag."""
        stmt = select(models.DocumentFlag.delivery_id).where(
            models.DocumentFlag.delivery_id.in_(list(delivery_ids))
        )
        return set((await self.session.execute(stmt)).scalars())

    async def of_document(self, document_id: UUID) -> Sequence[models.DocumentFlag]:
        stmt = (
            select(models.DocumentFlag)
            .where(models.DocumentFlag.document_id == document_id)
            .order_by(models.DocumentFlag.at)
        )
        return (await self.session.execute(stmt)).scalars().all()


class DocumentTypeRepository(RepositoryBase[models.DocumentType]):
    model = models.DocumentType

    async def by_code(self, code: str) -> models.DocumentType | None:
        return await self.session.get(models.DocumentType, code)

    async def by_name(self, name: str, abbreviation: str | None) -> models.DocumentType | None:
        """The type a received document names (administrative first where a legal one shares it)."""
        stmt = (
            select(models.DocumentType)
            .where(
                models.DocumentType.name == name,
                models.DocumentType.abbreviation.is_(None)
                if abbreviation is None
                else models.DocumentType.abbreviation == abbreviation,
            )
            .order_by(models.DocumentType.position)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def active(self) -> Sequence[models.DocumentType]:
        stmt = select(models.DocumentType).where(models.DocumentType.active.is_(True))
        return (await self.session.execute(stmt.order_by(models.DocumentType.position))).scalars().all()

    async def urgency(self, urgency: str) -> models.UrgencyCode | None:
        return await self.session.get(models.UrgencyCode, urgency)

    async def all(self) -> Sequence[models.DocumentType]:
        return (
            (await self.session.execute(select(models.DocumentType).order_by(models.DocumentType.position)))
            .scalars()
            .all()
        )

    async def urgencies(self) -> Sequence[models.UrgencyCode]:
        stmt = select(models.UrgencyCode).order_by(models.UrgencyCode.edxml_priority)
        return (await self.session.execute(stmt)).scalars().all()
