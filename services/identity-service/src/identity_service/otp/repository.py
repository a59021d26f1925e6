from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, insert, or_, select, update

from identity_service import models
from kit_db import RepositoryBase


class TotpRepository(RepositoryBase[models.TotpFactor]):
    model = models.TotpFactor

    async def confirmed(self, user_id: UUID) -> models.TotpFactor | None:
        stmt = (
            select(models.TotpFactor)
            .where(models.TotpFactor.user_id == user_id, models.TotpFactor.confirmed_at.is_not(None))
            .order_by(models.TotpFactor.confirmed_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def pending(self, user_id: UUID, *, challenge_id: UUID | None) -> models.TotpFactor | None:
        stmt = select(models.TotpFactor).where(
            models.TotpFactor.user_id == user_id,
            models.TotpFactor.confirmed_at.is_(None),
            models.TotpFactor.challenge_id.is_(None)
            if challenge_id is None
            else models.TotpFactor.challenge_id == challenge_id,
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def delete_pending(self, user_id: UUID) -> None:
        stmt = delete(models.TotpFactor).where(
            models.TotpFactor.user_id == user_id, models.TotpFactor.confirmed_at.is_(None)
        )
        await self.session.execute(stmt)

    async def delete_all(self, user_id: UUID) -> int:
        stmt = (
            delete(models.TotpFactor)
            .where(models.TotpFactor.user_id == user_id)
            .returning(models.TotpFactor.id)
        )
        return len((await self.session.execute(stmt)).scalars().all())

    async def confirm(self, factor_id: UUID, *, user_id: UUID, at: datetime) -> None:
        """Make this factor the user's only one: the factor it replaces stops working now."""
        await self.session.execute(
            delete(models.TotpFactor).where(
                models.TotpFactor.user_id == user_id, models.TotpFactor.id != factor_id
            )
        )
        await self.session.execute(
            update(models.TotpFactor)
            .where(models.TotpFactor.id == factor_id)
            .values(confirmed_at=at, challenge_id=None)
        )

    async def take_step(self, factor_id: UUID, step: int) -> bool:
        """Accept a code for time step ``step`` only if no code at or after it was accepted (replay guard);
        one conditional UPDATE, so two requests racing with the same code cannot both win."""
        stmt = (
            update(models.TotpFactor)
            .where(
                models.TotpFactor.id == factor_id,
                or_(models.TotpFactor.last_used_step.is_(None), models.TotpFactor.last_used_step < step),
            )
            .values(last_used_step=step)
            .returning(models.TotpFactor.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None


class BackupCodeRepository(RepositoryBase[models.BackupCode]):
    model = models.BackupCode

    async def replace(self, user_id: UUID, hashes: list[tuple[UUID, str]], *, at: datetime) -> None:
        await self.delete_all(user_id)
        await self.session.execute(
            insert(models.BackupCode),
            [{"id": id_, "user_id": user_id, "code_hash": h, "created_at": at} for id_, h in hashes],
        )

    async def delete_all(self, user_id: UUID) -> int:
        stmt = (
            delete(models.BackupCode)
            .where(models.BackupCode.user_id == user_id)
            .returning(models.BackupCode.id)
        )
        return len((await self.session.execute(stmt)).scalars().all())

    async def use(self, user_id: UUID, code_hash: str, *, at: datetime) -> bool:
        stmt = (
            update(models.BackupCode)
            .where(
                models.BackupCode.user_id == user_id,
                models.BackupCode.code_hash == code_hash,
                models.BackupCode.used_at.is_(None),
            )
            .values(used_at=at)
            .returning(models.BackupCode.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def remaining(self, user_id: UUID) -> int:
        stmt = select(func.count()).where(
            models.BackupCode.user_id == user_id, models.BackupCode.used_at.is_(None)
        )
        return int((await self.session.execute(stmt)).scalar_one())
