from collections.abc import Sequence
from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status

from docs_service import models
from kit_core import (
    AUTHENTICATION,
    Clock,
    CurrentPrincipal,
    MissingRole,
    OtherAgency,
    Role,
    current_principal,
    ensure_agency,
    problems,
)
from kit_db import SessionDep

from .exceptions import RegisterExists, RegisterNotFound, UnknownAgency, UnknownSeries
from .schemas import Register, RegisterCreate
from .service import register as register_service

router = APIRouter(
    prefix="/api/v1/registers",
    tags=["registers"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
RULE: Final = (
    "Users of an agency (any role, with a token acting for it) see its registers; "
    "a system administrator sees any agency's."
)


@router.get(
    "",
    response_model=list[Register],
    responses=problems(OtherAgency, UnknownAgency),
    description="An agency's registers, newest year first. " + RULE,
)
async def list_registers(
    session: SessionDep,
    principal: CurrentPrincipal,
    org_id: Annotated[
        UUID | None,
        Query(description="the agency whose registers to list; omit for the agency the token acts for"),
    ] = None,
    year: Annotated[
        int | None, Query(ge=1945, le=9999, description="only this calendar year; omit for all years")
    ] = None,
) -> Sequence[models.Register]:
    agency_id = org_id or principal.agency_id
    if agency_id is None:
        raise OtherAgency("the token acts for no agency: name one with org_id")
    ensure_agency(principal, agency_id)
    return await register_service.list_for_agency(session, agency_id, year=year)


@router.get(
    "/{register_id}",
    response_model=Register,
    responses=problems(OtherAgency, RegisterNotFound),
    description="One register. " + RULE,
)
async def get_register(
    register_id: UUID, principal: CurrentPrincipal, session: SessionDep
) -> models.Register:
    found = await register_service.get(session, register_id)
    ensure_agency(principal, found.agency_id)
    return found


@router.post(
    "",
    response_model=Register,
    status_code=status.HTTP_201_CREATED,
    responses=problems(OtherAgency, MissingRole, UnknownAgency, UnknownSeries, RegisterExists),
    description=(
        "Open a register (configuration): another number series, or next year's ahead of time. Issuing "
        "and registering open the register they need by themselves. Clerks and agency administrators "
        "of the agency."
    ),
)
async def create_register(
    data: RegisterCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    org_id: Annotated[UUID | None, Query(description="omit for the agency the token acts for")] = None,
) -> models.Register:
    agency_id = org_id or principal.agency_id
    if agency_id is None:
        raise OtherAgency("the token acts for no agency: name one with org_id")
    ensure_agency(principal, agency_id, roles=(Role.CLERK, Role.AGENCY_ADMIN))
    clock: Clock = request.app.state.clock
    return await register_service.create(session, agency_id, data, at=clock.now())
