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


class LoginCodeRepository(RepositoryBase[models.LoginCode]):
    model = models.LoginCode

    async def latest(self, challenge_id: UUID) -> models.LoginCode | None:
        stmt = (
            select(models.LoginCode)
            .where(models.LoginCode.challenge_id == challenge_id)
            .order_by(models.LoginCode.created_at.desc(), models.LoginCode.id.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def sent_for_challenge(self, challenge_id: UUID) -> int:
        stmt = (
            select(func.count())
            .select_from(models.LoginCode)
            .where(models.LoginCode.challenge_id == challenge_id)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def sent_to_user_since(self, user_id: UUID, since: datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(models.LoginCode)
            .where(models.LoginCode.user_id == user_id, models.LoginCode.created_at >= since)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def supersede(self, challenge_id: UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(models.LoginCode)
            .where(
                models.LoginCode.challenge_id == challenge_id,
                models.LoginCode.used_at.is_(None),
                models.LoginCode.superseded_at.is_(None),
            )
            .values(superseded_at=at)
        )

    async def live(self, challenge_id: UUID, channel: str, *, now: datetime) -> models.LoginCode | None:
        stmt = select(models.LoginCode).where(
            models.LoginCode.challenge_id == challenge_id,
            models.LoginCode.channel == channel,
            models.LoginCode.used_at.is_(None),
            models.LoginCode.superseded_at.is_(None),
            models.LoginCode.expires_at > now,
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def take_attempt(self, code_id: UUID, *, max_attempts: int) -> bool:
        """Count a try; False when the code has used up its tries (one conditional UPDATE, race-free)."""
        result = await self.session.execute(
            update(models.LoginCode)
            .where(models.LoginCode.id == code_id, models.LoginCode.attempts < max_attempts)
            .values(attempts=models.LoginCode.attempts + 1)
        )
        return bool(getattr(result, "rowcount", 0))

    async def use(self, code_id: UUID, *, at: datetime) -> bool:
        result = await self.session.execute(
            update(models.LoginCode)
            .where(models.LoginCode.id == code_id, models.LoginCode.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(getattr(result, "rowcount", 0))
