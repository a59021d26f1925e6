from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from docs_service import models
from docs_service.document.dependencies import AgencyId
from docs_service.document.exceptions import NoAgency
from docs_service.document.schemas import DocumentPage
from kit_contracts import Urgency
from kit_core import AUTHENTICATION, AppError, current_principal, problems
from kit_db import SessionDep

from .repository import Filters
from .service import search as search_service

router = APIRouter(
    prefix="/api/v1/search",
    tags=["search"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class BadDateRange(AppError):
    status = 422
    title = "The date range ends before it starts"
    code = "bad-date-range"


@router.get(
    "",
    response_model=DocumentPage,
    responses=problems(NoAgency, BadDateRange),
    description=(
        "Full-text search over the documents of the agency the token acts for — and only those: "
        "another agency's documents are never returned nor counted. `q` matches number and notation, "
        "type, trích yếu (subject), summary, sender, signer and the text layer of attached PDFs, "
        "without regard to diacritics or case (`quyet dinh` finds `Quyết định`, `d` matches `đ`); "
        "each word also matches as a prefix, and a piece of a notation (`QĐ-UB`) matches inside it. "
        "All words must match. Filters: type, date range (the document's date, or arrival/creation "
        "date before it has one), urgency, status, sender (its organ code), register, direction. "
        "Sorted by relevance (the default with `q`), newest or oldest, with the total count."
    ),
)
async def search_documents(
    org_id: AgencyId,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="words to find")] = None,
    type_code: Annotated[str | None, Query(alias="type", max_length=64)] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    urgency: Urgency | None = None,
    status: models.DocumentStatus | None = None,
    sender: Annotated[str | None, Query(max_length=13, description="the sender's organ code")] = None,
    register_id: UUID | None = None,
    direction: models.Direction | None = None,
    sort: Sort | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DocumentPage:
    if date_from is not None and date_to is not None and date_to < date_from:
        raise BadDateRange(f"'to' ({date_to}) is before 'from' ({date_from})")
    chosen = sort or (Sort.RELEVANCE if q and q.strip() else Sort.NEWEST)
    filters = Filters(
        type_code=type_code,
        date_from=date_from,
        date_to=date_to,
        urgency=urgency.value if urgency else None,
        status=status.value if status else None,
        sender=sender,
        register_id=register_id,
        direction=direction.value if direction else None,
    )
    return await search_service.search(
        session, org_id, q, filters, sort=chosen.value, limit=limit, offset=offset
    )
