from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, select

from docs_service import models
from kit_db import RepositoryBase, insert_ignore_returning


class RegisterRepository(RepositoryBase[models.Register]):
    model = models.Register

    async def add_missing(self, rows: Sequence[dict[str, Any]]) -> list[UUID]:
        """Insert the registers not already open (same agency, year, kind and series); return the new ids."""
        table = cast(Table, models.Register.__table__)
        return await insert_ignore_returning(self.session, table, rows, table.c.id)

    async def for_agency(self, agency_id: UUID, *, year: int | None = None) -> Sequence[models.Register]:
        stmt = select(models.Register).where(models.Register.agency_id == agency_id)
        if year is not None:
            stmt = stmt.where(models.Register.year == year)
        stmt = stmt.order_by(models.Register.year.desc(), models.Register.kind.desc(), models.Register.series)
        return (await self.session.execute(stmt)).scalars().all()
