from collections.abc import Sequence

from sqlalchemy import select

from kit_db import RepositoryBase
from routing_service import models


class OrgRepository(RepositoryBase[models.Org]):
    model = models.Org

    async def by_code(self, code: str) -> models.Org | None:
        return (
            await self.session.execute(select(models.Org).where(models.Org.code == code))
        ).scalar_one_or_none()

    async def list(
        self, *, parent_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[models.Org]:
        stmt = select(models.Org).order_by(models.Org.code).limit(limit).offset(offset)
        if parent_id is not None:
            stmt = stmt.where(models.Org.parent_id == parent_id)
        return (await self.session.execute(stmt)).scalars().all()
