from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select

from identity_service import models
from kit_db import RepositoryBase


class AgencyRepository(RepositoryBase[models.Agency]):
    model = models.Agency

    async def upsert(
        self, *, id: UUID, code: str, name: str, tier: str, parent_id: UUID | None, active: bool, at: datetime
    ) -> models.Agency:
        agency = await self.session.get(models.Agency, id)
        if agency is None:
            agency = models.Agency(id=id)
            self.session.add(agency)
        agency.code, agency.name, agency.tier = code, name, tier
        agency.parent_id, agency.active, agency.updated_at = parent_id, active, at
        await self.session.flush()
        return agency

    async def record_change(self, *, event_id: UUID, agency_id: UUID, kind: str, at: datetime) -> None:
        self.session.add(
            models.AgencyChange(event_id=event_id, agency_id=agency_id, kind=kind, applied_at=at)
        )
        await self.session.flush()

    async def by_codes(self, codes: list[str]) -> dict[str, models.Agency]:
        stmt = select(models.Agency).where(models.Agency.code.in_(codes))
        return {agency.code: agency for agency in (await self.session.execute(stmt)).scalars()}

    async def change_counts(self) -> tuple[int, int]:
        stmt = select(func.count(), func.count(func.distinct(models.AgencyChange.event_id)))
        total, distinct = (await self.session.execute(stmt)).one()
        return int(total), int(distinct)

    async def served_here(self) -> list[models.Agency]:
        """Active agencies of the province, district and commune tiers (central ones are reached
        through the national axis and have no users here), in code order."""
        stmt = (
            select(models.Agency)
            .where(models.Agency.active.is_(True), models.Agency.tier != "central")
            .order_by(models.Agency.code)
        )
        return list((await self.session.execute(stmt)).scalars())
