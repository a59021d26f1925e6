from collections.abc import Sequence
from datetime import datetime
from typing import Final
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from kit_core import get_logger, new_id

from .exceptions import RegisterNotFound, UnknownAgency
from .repository import RegisterRepository

log = get_logger(__name__)

VIETNAM_TZ: Final = "Asia/Ho_Chi_Minh"
TITLES: Final = {
    models.RegisterKind.OUTGOING: "Sổ đăng ký văn bản đi",
    models.RegisterKind.INCOMING: "Sổ đăng ký văn bản đến",
}


def register_year(at: datetime) -> int:
    """The year a register belongs to: the calendar year in Vietnam, where 1 January starts at 17:00 UTC."""
    return at.astimezone(ZoneInfo(VIETNAM_TZ)).year


class RegisterService:
    async def open_year(self, session: AsyncSession, *, agency_id: UUID, at: datetime) -> list[UUID]:
        """Open the agency's outgoing and incoming registers for the year of ``at``, unless already open."""
        year = register_year(at)
        rows = [
            {
                "id": new_id(),
                "agency_id": agency_id,
                "year": year,
                "kind": kind.value,
                "series": models.RegisterSeries.ADMINISTRATIVE.value,
                "title": title,
                "last_number": 0,
                "created_at": at,
            }
            for kind, title in TITLES.items()
        ]
        opened = await RegisterRepository(session).add_missing(rows)
        if opened:
            log.info("register.opened", agency_id=str(agency_id), year=year, count=len(opened))
        return opened

    async def list_for_agency(
        self, session: AsyncSession, org_id: UUID, *, year: int | None = None
    ) -> Sequence[models.Register]:
        if await AgencyRepository(session).get(org_id) is None:
            raise UnknownAgency(
                f"agency {org_id} is not in the directory; create it in routing-service first, "
                "or wait a moment for it to replicate"
            )
        return await RegisterRepository(session).for_agency(org_id, year=year)

    async def get(self, session: AsyncSession, register_id: UUID) -> models.Register:
        found = await RegisterRepository(session).get(register_id)
        if found is None:
            raise RegisterNotFound(f"no register with id {register_id}")
        return found


register = RegisterService()
