from collections.abc import Sequence
from datetime import date, datetime
from typing import Final
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from kit_core import get_logger, new_id

from .exceptions import RegisterClosed, RegisterExists, RegisterNotFound, UnknownAgency, UnknownSeries
from .repository import RegisterRepository
from .schemas import RegisterCreate

log = get_logger(__name__)

VIETNAM_TZ: Final = "Asia/Ho_Chi_Minh"
LEGAL_PREFIX: Final = "legal."
TITLES: Final = {
    models.RegisterKind.OUTGOING: "Sổ đăng ký văn bản đi",
    models.RegisterKind.INCOMING: "Sổ đăng ký văn bản đến",
}


def title_of(kind: str, series: str) -> str:
    title = TITLES[models.RegisterKind(kind)]
    if series == models.RegisterSeries.SECRET:
        return title.replace("văn bản", "văn bản mật")  # Sổ đăng ký văn bản mật đi / đến
    if series.startswith(LEGAL_PREFIX):
        return title + " (văn bản quy phạm pháp luật)"
    return title


def vietnam_date(at: datetime) -> date:
    """The calendar date in Vietnam of an instant: the date a document is issued or arrives on."""
    return at.astimezone(ZoneInfo(VIETNAM_TZ)).date()


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

    async def of_year(
        self, session: AsyncSession, *, agency_id: UUID, year: int, kind: str, series: str, at: datetime
    ) -> models.Register:
        """The agency's register of ``kind`` and ``series`` for ``year``, opened now if it is not yet
        (the first document of a new year, or of a series nobody used before)."""
        registers = RegisterRepository(session)
        found = await registers.find(agency_id, year=year, kind=kind, series=series)
        if found is None:
            await registers.add_missing(
                [
                    {
                        "id": new_id(),
                        "agency_id": agency_id,
                        "year": year,
                        "kind": kind,
                        "series": series,
                        "title": title_of(kind, series),
                        "last_number": 0,
                        "created_at": at,
                    }
                ]
            )
            found = await registers.find(agency_id, year=year, kind=kind, series=series)
            if found is None:  # pragma: no cover - inserted or already there, one or the other
                raise RuntimeError(f"register {kind}/{series}/{year} of {agency_id} neither found nor opened")
            log.info("register.opened", agency_id=str(agency_id), year=year, kind=kind, series=series)
        return found

    async def create(
        self, session: AsyncSession, agency_id: UUID, data: RegisterCreate, *, at: datetime
    ) -> models.Register:
        if await AgencyRepository(session).get(agency_id) is None:
            raise UnknownAgency(f"agency {agency_id} is not in the directory yet")
        if data.series.startswith(LEGAL_PREFIX):
            legal = await RegisterRepository(session).legal_type(data.series.removeprefix(LEGAL_PREFIX))
            if legal is None:
                raise UnknownSeries(
                    f"{data.series}: no legal-normative document type {data.series.removeprefix(LEGAL_PREFIX)!r}"
                )
        registers = RegisterRepository(session)
        title = data.title or title_of(data.kind.value, data.series)
        opened = await registers.add_missing(
            [
                {
                    "id": new_id(),
                    "agency_id": agency_id,
                    "year": data.year,
                    "kind": data.kind.value,
                    "series": data.series,
                    "title": title,
                    "last_number": 0,
                    "created_at": at,
                }
            ]
        )
        if not opened:
            raise RegisterExists(
                f"the {data.kind.value} register of the {data.series} series for {data.year} is already open"
            )
        found = await registers.get(opened[0])
        if found is None:  # pragma: no cover - just inserted
            raise RegisterNotFound(f"register {opened[0]} vanished")
        return found

    async def take_number(self, session: AsyncSession, register: models.Register, *, year: int) -> int:
        number = await RegisterRepository(session).take_number(register.id, year=year)
        if number is None:
            raise RegisterClosed(
                f"register {register.id} is for {register.year}; it gives no numbers in {year}"
            )
        return number

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
