import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from egov_gateway import models
from kit_contracts import OrgCreated, OrgUpdated

from .exceptions import AgencyNotFound, MalformedAgencyCode
from .repository import DirectoryEntryRepository

AGENCY_CODE_PATTERN: Final = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
_AGENCY_CODE: Final = re.compile(AGENCY_CODE_PATTERN, re.ASCII)  # \d is 0-9 only, as in QCVN 102


class DirectoryService:
    async def apply(
        self, session: AsyncSession, event: OrgCreated | OrgUpdated, *, active: bool, at: datetime
    ) -> models.DirectoryEntry:
        return await DirectoryEntryRepository(session).upsert(
            agency_id=event.org_id,
            code=event.code,
            name=event.name,
            tier=event.tier,
            parent_id=event.parent_id,
            external=event.external,
            active=active,
            at=at,
        )

    async def search(
        self, session: AsyncSession, *, external: bool | None = None, q: str | None = None
    ) -> Sequence[models.DirectoryEntry]:
        return await DirectoryEntryRepository(session).search(external=external, q=q)

    async def by_code(self, session: AsyncSession, code: str) -> models.DirectoryEntry:
        if not _AGENCY_CODE.fullmatch(code):
            raise MalformedAgencyCode(
                f"{code!r} is not a QCVN 102 agency code: expected three digits, two, two, then a capital letter "
                "and two digits, separated by dots, like 000.00.00.G22",
                pattern=AGENCY_CODE_PATTERN,
            )
        entry = await DirectoryEntryRepository(session).by_code(code)
        if entry is None:
            raise AgencyNotFound(f"no agency with code {code} in the directory")
        return entry


directory = DirectoryService()
