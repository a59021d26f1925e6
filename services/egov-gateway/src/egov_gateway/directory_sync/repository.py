from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select

from egov_gateway import models
from kit_db import RepositoryBase


class DirectoryEntryRepository(RepositoryBase[models.DirectoryEntry]):
    model = models.DirectoryEntry

    async def upsert(
        self,
        *,
        agency_id: UUID,
        code: str,
        name: str,
        tier: str,
        parent_id: UUID | None,
        external: bool,
        active: bool,
        at: datetime,
    ) -> models.DirectoryEntry:
        entry = await self.session.get(models.DirectoryEntry, agency_id)
        if entry is None:
            entry = models.DirectoryEntry(agency_id=agency_id)
            self.session.add(entry)
        entry.code, entry.name, entry.tier, entry.parent_id = code, name, tier, parent_id
        entry.external, entry.active, entry.updated_at = external, active, at
        await self.session.flush()
        return entry

    async def search(
        self, *, external: bool | None = None, q: str | None = None
    ) -> Sequence[models.DirectoryEntry]:
        stmt = select(models.DirectoryEntry)
        if external is not None:
            stmt = stmt.where(models.DirectoryEntry.external.is_(external))
        if q:
            stmt = stmt.where(
                or_(
                    models.DirectoryEntry.code.icontains(q, autoescape=True),
                    models.DirectoryEntry.name.icontains(q, autoescape=True),
                )
            )
        return (await self.session.execute(stmt.order_by(models.DirectoryEntry.code))).scalars().all()

    async def by_code(self, code: str) -> models.DirectoryEntry | None:
        # Should two entries share a code for a moment (see the model), the active, most recent one routes.
        stmt = (
            select(models.DirectoryEntry)
            .where(models.DirectoryEntry.code == code)
            .order_by(models.DirectoryEntry.active.desc(), models.DirectoryEntry.updated_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalars().first()
