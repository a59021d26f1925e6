from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select, update

from docs_service import models
from kit_db import RepositoryBase

HEAD_ID = 1


class AuditRepository(RepositoryBase[models.DocumentAudit]):
    model = models.DocumentAudit

    async def lock_head(self) -> models.DocumentAuditHead:
        # FOR UPDATE on PostgreSQL (a waiting appender then reads the new head); SQLite's BEGIN
        # IMMEDIATE already serialises writers.
        stmt = (
            select(models.DocumentAuditHead)
            .where(models.DocumentAuditHead.id == HEAD_ID)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one()

    async def head(self) -> models.DocumentAuditHead:
        stmt = select(models.DocumentAuditHead).where(models.DocumentAuditHead.id == HEAD_ID)
        return (await self.session.execute(stmt)).scalar_one()

    async def move_head(self, *, last_id: int, hash: str) -> None:
        stmt = (
            update(models.DocumentAuditHead)
            .where(models.DocumentAuditHead.id == HEAD_ID)
            .values(last_id=last_id, hash=hash)
        )
        await self.session.execute(stmt)

    async def batch_after(self, after_id: int, *, limit: int) -> Sequence[models.DocumentAudit]:
        stmt = (
            select(models.DocumentAudit)
            .where(models.DocumentAudit.id > after_id)
            .order_by(models.DocumentAudit.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def of_document(
        self, document_id: UUID, *, limit: int, before: int | None
    ) -> Sequence[models.DocumentAudit]:
        stmt = select(models.DocumentAudit).where(models.DocumentAudit.document_id == document_id)
        if before is not None:
            stmt = stmt.where(models.DocumentAudit.id < before)
        return (
            (await self.session.execute(stmt.order_by(models.DocumentAudit.id.desc()).limit(limit)))
            .scalars()
            .all()
        )
