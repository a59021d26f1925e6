from datetime import datetime
from uuid import UUID

from docs_service import models
from kit_db import RepositoryBase


class AgencyRepository(RepositoryBase[models.Agency]):
    model = models.Agency

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
