from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from docs_service import models
from kit_db import RepositoryBase


class AgencyRepository(RepositoryBase[models.Agency]):
    model = models.Agency

    async def existing(self, ids: Collection[UUID]) -> set[UUID]:
        """Which of ``ids`` the replica holds."""
        if not ids:
            return set()
        stmt = select(models.Agency.id).where(models.Agency.id.in_(list(ids)))
        return set((await self.session.execute(stmt)).scalars())

    async def upsert(
        self, *, id: UUID, code: str, name: str, short_name: str | None, tier: str, active: bool, at: datetime
    ) -> models.Agency:
        agency = await self.session.get(models.Agency, id)
        if agency is None:
            agency = models.Agency(id=id)
            self.session.add(agency)
        agency.code, agency.name, agency.short_name, agency.tier = code, name, short_name, tier
        agency.active, agency.updated_at = active, at
        await self.session.flush()
        return agency
