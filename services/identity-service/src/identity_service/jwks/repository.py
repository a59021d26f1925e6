from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, delete, or_, select, update

from identity_service import models
from kit_db import RepositoryBase


class SigningKeyRepository(RepositoryBase[models.SigningKey]):
    model = models.SigningKey

    async def by_kid(self, kid: str) -> models.SigningKey | None:
        return await self.session.get(models.SigningKey, kid)

    async def current(self) -> models.SigningKey | None:
        stmt = (
            select(models.SigningKey)
            .where(models.SigningKey.retired_at.is_(None))
            .order_by(models.SigningKey.created_at.desc(), models.SigningKey.kid)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def published(self, *, retired_after: datetime) -> Sequence[models.SigningKey]:
        stmt = (
            select(models.SigningKey)
            .where(or_(models.SigningKey.retired_at.is_(None), models.SigningKey.retired_at > retired_after))
            .order_by(  # the signing key first, then the others, most recently retired first
                case((models.SigningKey.retired_at.is_(None), 0), else_=1),
                models.SigningKey.retired_at.desc(),
                models.SigningKey.created_at.desc(),
                models.SigningKey.kid,
            )
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def all(self) -> Sequence[models.SigningKey]:
        stmt = select(models.SigningKey).order_by(models.SigningKey.created_at.desc())
        return (await self.session.execute(stmt)).scalars().all()

    async def retire_all(self, *, at: datetime) -> list[str]:
        stmt = (
            update(models.SigningKey)
            .where(models.SigningKey.retired_at.is_(None))
            .values(retired_at=at)
            .returning(models.SigningKey.kid)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def delete_retired_before(self, cutoff: datetime) -> list[str]:
        stmt = (
            delete(models.SigningKey)
            .where(models.SigningKey.retired_at.is_not(None), models.SigningKey.retired_at <= cutoff)
            .returning(models.SigningKey.kid)
        )
        return list((await self.session.execute(stmt)).scalars().all())
