from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, select, update

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

    async def find(self, agency_id: UUID, *, year: int, kind: str, series: str) -> models.Register | None:
        stmt = select(models.Register).where(
            models.Register.agency_id == agency_id,
            models.Register.year == year,
            models.Register.kind == kind,
            models.Register.series == series,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def take_number(self, register_id: UUID, *, year: int) -> int | None:
        """Give out the register's next number: one conditional UPDATE … RETURNING, so each number goes
        to exactly one transaction (the row stays locked until it ends; a rollback gives it back).

        None if the register is not of ``year`` (a number never lands in last year's register).
        """
        stmt = (
            update(models.Register)
            .where(models.Register.id == register_id, models.Register.year == year)
            .values(last_number=models.Register.last_number + 1)
            .returning(models.Register.last_number)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def legal_type(self, code: str) -> models.DocumentType | None:
        stmt = select(models.DocumentType).where(
            models.DocumentType.code == code, models.DocumentType.family == "legal"
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()
