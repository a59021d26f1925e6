from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update

from identity_service import models
from kit_db import RepositoryBase

HEAD_ID = 1


class AuditRepository(RepositoryBase[models.AuthAudit]):
    model = models.AuthAudit

    async def lock_head(self) -> models.AuthAuditHead:
        # FOR UPDATE on PostgreSQL (a waiting appender then sees the new head); SQLite's BEGIN IMMEDIATE
        # already serialises writers.
        stmt = (
            select(models.AuthAuditHead)
            .where(models.AuthAuditHead.id == HEAD_ID)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one()

    async def head(self) -> models.AuthAuditHead:
        stmt = select(models.AuthAuditHead).where(models.AuthAuditHead.id == HEAD_ID)
        return (await self.session.execute(stmt)).scalar_one()

    async def move_head(self, *, last_id: int, hash: str) -> None:
        stmt = (
            update(models.AuthAuditHead)
            .where(models.AuthAuditHead.id == HEAD_ID)
            .values(last_id=last_id, hash=hash)
        )
        await self.session.execute(stmt)

    async def count_since(self, *, user_id: UUID, kinds: Sequence[str], since: datetime) -> int:
        stmt = select(func.count()).where(
            models.AuthAudit.user_id == user_id,
            models.AuthAudit.occurred_at > since,
            models.AuthAudit.kind.in_(kinds),
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def batch_after(self, after_id: int, *, limit: int) -> Sequence[models.AuthAudit]:
        stmt = (
            select(models.AuthAudit)
            .where(models.AuthAudit.id > after_id)
            .order_by(models.AuthAudit.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def for_user(self, user_id: UUID, *, limit: int) -> Sequence[models.AuthAudit]:
        stmt = (
            select(models.AuthAudit)
            .where(models.AuthAudit.user_id == user_id)
            .order_by(models.AuthAudit.id.desc())
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()
