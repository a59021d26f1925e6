from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Table, select, update

from identity_service import models
from kit_db import RepositoryBase, insert_ignore_returning

LOCKOUT = cast(Table, models.AccountLockout.__table__)


class LockoutRepository(RepositoryBase[models.AccountLockout]):
    model = models.AccountLockout

    async def of(self, user_id: UUID) -> models.AccountLockout | None:
        stmt = (
            select(models.AccountLockout)
            .where(models.AccountLockout.user_id == user_id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def lock_row(self, user_id: UUID) -> models.AccountLockout:
        """The account's row, created if missing, locked until commit (concurrent failures queue here)."""
        await insert_ignore_returning(
            self.session,
            LOCKOUT,
            [{"user_id": user_id, "failed_count": 0, "lockouts": 0}],
            returning=LOCKOUT.c.user_id,
        )
        stmt = (
            select(models.AccountLockout)
            .where(models.AccountLockout.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one()

    async def reset(self, user_id: UUID) -> None:
        stmt = (
            update(models.AccountLockout)
            .where(models.AccountLockout.user_id == user_id)
            .values(failed_count=0, lockouts=0, locked_until=None)
        )
        await self.session.execute(stmt)

    async def clear(self, user_id: UUID, *, at: datetime) -> None:
        row = await self.lock_row(user_id)
        row.failed_count, row.lockouts, row.locked_until, row.cleared_at = 0, 0, None, at
        await self.session.flush()
