from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from kit_core import AUTHENTICATION, CurrentPrincipal, current_principal, problems
from kit_db import SessionDep

from .exceptions import AgencyNotFound, OtherAgencyStats
from .schemas import MonthStats
from .service import stats, to_csv

router = APIRouter(
    prefix="/api/v1/stats",
    tags=["stats"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)


@router.get(
    "",
    response_model=MonthStats,
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"},
        **problems(AgencyNotFound, OtherAgencyStats),
    },
    description=(
        "Electronic document exchange of one month per agency, as published to the Government portal: "
        "documents sent and received (through this installation, locally and through the national axis), "
        "the share digitally signed, and processing completed on time, late or still open. A system "
        "administrator sees every agency (or the one asked for); anyone else only their own agency. "
        "`format=csv` returns UTF-8 with a BOM and Vietnamese headers."
    ),
)
async def month_stats(
    session: SessionDep,
    principal: CurrentPrincipal,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])],
    agency: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=36,
            description="agency id, or its QCVN 102 code",
            examples=["000.00.00.H42"],
        ),
    ] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> MonthStats | Response:
    agencies = await stats.scope(session, principal, agency)
    rows = await stats.month_stats(session, month, agencies)
    if format == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="thong-ke-{month}.csv"',
                "Cache-Control": "no-store",
            },
        )
    return MonthStats(month=month, agencies=rows)
