from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update

from identity_service import models
from kit_db import RepositoryBase


class PasswordResetRepository(RepositoryBase[models.PasswordReset]):
    model = models.PasswordReset

    async def by_token_hash(self, token_hash: str) -> models.PasswordReset | None:
        stmt = select(models.PasswordReset).where(models.PasswordReset.token_hash == token_hash)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def use(self, reset_id: UUID, *, at: datetime) -> bool:
        """Mark the reset used; False if another request used it first."""
        stmt = (
            update(models.PasswordReset)
            .where(models.PasswordReset.id == reset_id, models.PasswordReset.used_at.is_(None))
            .values(used_at=at)
            .returning(models.PasswordReset.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def void_open(self, user_id: UUID, *, at: datetime) -> None:
        stmt = (
            update(models.PasswordReset)
            .where(models.PasswordReset.user_id == user_id, models.PasswordReset.used_at.is_(None))
            .values(used_at=at)
        )
        await self.session.execute(stmt)
