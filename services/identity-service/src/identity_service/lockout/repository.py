from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Table, delete, func, select, update

from identity_service import models
from kit_db import RepositoryBase, insert_ignore_returning

LOCKOUT = cast(Table, models.AccountLockout.__table__)
IP_FAILURE = cast(Table, models.IpFailure.__table__)


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


class IpFailureRepository(RepositoryBase[models.IpFailure]):
    model = models.IpFailure

    async def failures(self, ip: str, *, since: datetime) -> int:
        stmt = select(func.coalesce(func.sum(models.IpFailure.failures), 0)).where(
            models.IpFailure.ip == ip, models.IpFailure.bucket >= since
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def add_failure(self, ip: str, *, bucket: datetime) -> None:
        """One more failure in the bucket: an increment, or the bucket's first row (a racing first
        insert is ignored and the increment repeated, so no failure is lost on either dialect)."""
        for _ in range(2):
            bumped = await self.session.execute(
                update(models.IpFailure)
                .where(models.IpFailure.ip == ip, models.IpFailure.bucket == bucket)
                .values(failures=models.IpFailure.failures + 1)
            )
            if getattr(bumped, "rowcount", 0):
                return
            if await insert_ignore_returning(
                self.session, IP_FAILURE, [{"ip": ip, "bucket": bucket, "failures": 1}], IP_FAILURE.c.ip
            ):
                return

    async def busiest(self, *, since: datetime, at_least: int, limit: int) -> list[tuple[str, int, datetime]]:
        """Addresses with at least ``at_least`` failures since then: (ip, failures, latest bucket)."""
        total = func.sum(models.IpFailure.failures)
        stmt = (
            select(models.IpFailure.ip, total, func.max(models.IpFailure.bucket))
            .where(models.IpFailure.bucket >= since)
            .group_by(models.IpFailure.ip)
            .having(total >= at_least)
            .order_by(total.desc(), models.IpFailure.ip)
            .limit(limit)
        )
        return [(ip, int(n), last) for ip, n, last in (await self.session.execute(stmt)).all()]

    async def oldest_since(self, ip: str, *, since: datetime) -> datetime | None:
        stmt = select(func.min(models.IpFailure.bucket)).where(
            models.IpFailure.ip == ip, models.IpFailure.bucket >= since
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def clear(self, ip: str) -> int:
        result = await self.session.execute(delete(models.IpFailure).where(models.IpFailure.ip == ip))
        return int(getattr(result, "rowcount", 0) or 0)

    async def prune(self, *, before: datetime) -> int:
        result = await self.session.execute(delete(models.IpFailure).where(models.IpFailure.bucket < before))
        return int(getattr(result, "rowcount", 0) or 0)
