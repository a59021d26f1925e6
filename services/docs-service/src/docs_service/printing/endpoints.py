from datetime import date
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from docs_service.register.exceptions import RegisterNotFound
from docs_service.register.service import register as register_service
from kit_core import (
    AUTHENTICATION,
    AppError,
    CurrentPrincipal,
    OtherAgency,
    current_principal,
    ensure_agency,
    problems,
)
from kit_db import SessionDep

from .service import printing

router = APIRouter(
    prefix="/api/v1/registers",
    tags=["registers"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_DAYS = 3660


class Format(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"


class BadPeriod(AppError):
    status = 422
    title = "The period cannot be printed"
    code = "bad-period"


@router.get(
    "/{register_id}/print",
    response_class=Response,
    responses={
        **problems(OtherAgency, RegisterNotFound, BadPeriod),
        200: {"content": {PDF: {}, XLSX: {}}, "description": "the printable register"},
    },
    description=(
        'The register as a book to print and bind (NĐ 30/2020 Phụ lục IV): "Sổ đăng ký văn bản đi" or '
        '"… đến" with its columns in Vietnamese, for the documents dated (outgoing) or arrived '
        "(incoming) from `from` to `to` inclusive. `format=pdf`: A4 landscape, the header row on every "
        'page, "Trang x/y"; `format=xlsx`: the same columns, dates as dates. Users of the register\'s '
        "agency; a system administrator for any."
    ),
)
async def print_register(
    register_id: UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    format: Format = Format.PDF,
) -> Response:
    if date_to < date_from:
        raise BadPeriod(f"'to' ({date_to}) is before 'from' ({date_from})")
    if (date_to - date_from).days > MAX_DAYS:
        raise BadPeriod(f"print at most {MAX_DAYS} days at a time")
    found = await register_service.get(session, register_id)
    ensure_agency(principal, found.agency_id)
    book = await printing.book(session, found, date_from, date_to)
    if format is Format.XLSX:
        content, media, suffix = await printing.xlsx(book), XLSX, "xlsx"
    else:
        content, media, suffix = await printing.pdf(book), PDF, "pdf"
    kind = "di" if book.outgoing else "den"
    name = f"so-dang-ky-van-ban-{kind}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{suffix}"
    return Response(
        content,
        media_type=media,
        headers={
            "content-disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "cache-control": "private, no-store",
        },
    )
