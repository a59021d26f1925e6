from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from egov_gateway import models
from kit_core import AUTHENTICATION, current_principal, problems
from kit_db import SessionDep

from .exceptions import AgencyNotFound, MalformedAgencyCode
from .schemas import DirectoryEntry
from .service import AGENCY_CODE_PATTERN
from .service import directory as directory_service

router = APIRouter(
    prefix="/api/v1/exchange/agencies",
    tags=["directory"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
RULE = "Any signed-in user may read it."


@router.get(
    "", response_model=list[DirectoryEntry], description=f"The routing table, ordered by agency code. {RULE}"
)
async def list_agencies(
    session: SessionDep,
    external: Annotated[
        bool | None,
        Query(description="true: only agencies reached through the national axis; false: only ours"),
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="part of the code or name, any letter case"),
    ] = None,
) -> Sequence[models.DirectoryEntry]:
    return await directory_service.search(session, external=external, q=q)


@router.get(
    "/{code}",
    response_model=DirectoryEntry,
    responses=problems(AgencyNotFound, MalformedAgencyCode),
    description=f"One agency's routing entry: served here, or reached through the national axis. {RULE}",
)
async def get_agency(
    code: Annotated[
        str,
        Path(description=f"QCVN 102 agency code, matching {AGENCY_CODE_PATTERN}", examples=["000.00.00.G22"]),
    ],
    session: SessionDep,
) -> models.DirectoryEntry:
    return await directory_service.by_code(session, code)
