from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from kit_core import (
    AUTHENTICATION,
    CurrentPrincipal,
    MissingRole,
    OtherAgency,
    current_principal,
    ensure_agency,
    problems,
)
from kit_db import SessionDep
from routing_service.dependencies import ClockDep, today

from .dependencies import DispatchOfSender, IdempotencyKey
from .exceptions import (
    DispatchNotFound,
    DocumentNotIssued,
    DocumentReplacedAlready,
    DocumentWithdrawn,
    IdempotencyKeyReused,
    NoRecipients,
    NotUpdatable,
    SecretDocument,
    SenderNotInDirectory,
    UnknownRecipients,
)
from .schemas import Dispatch, DispatchCreate, DispatchSummary, DispatchUpdate, Rollup
from .service import dispatch as dispatch_service

router = APIRouter(
    prefix="/api/v1/dispatches",
    tags=["dispatches"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
SENDER: Final = (
    "Any user of the sending agency (a system administrator: any agency); to others it does not exist."
)


@router.post(
    "",
    response_model=Dispatch,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": Dispatch, "description": "the same Idempotency-Key and body were sent before"},
        **problems(
            OtherAgency,
            MissingRole,
            DocumentNotIssued,
            DocumentWithdrawn,
            DocumentReplacedAlready,
            SecretDocument,
            SenderNotInDirectory,
            UnknownRecipients,
            NoRecipients,
            IdempotencyKeyReused,
        ),
    },
    description=(
        "Send an issued document of the caller's agency to agencies by code, the agency's recipient groups "
        "and whole subtrees: one delivery per distinct active agency, routed locally or through the "
        "national axis. Documents marked Mật, Tối mật or Tuyệt mật are refused. Needs a clerk of the "
        "issuing agency."
    ),
)
async def create_dispatch(
    data: DispatchCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Dispatch:
    now = clock.now()
    created, fresh = await dispatch_service.create(
        session, principal, data, idempotency_key=idempotency_key, now=now
    )
    if not fresh:
        response.status_code = status.HTTP_200_OK
    return await dispatch_service.view(session, created, on=today(now))


@router.get(
    "",
    response_model=list[DispatchSummary],
    responses=problems(OtherAgency),
    description="The dispatches of the caller's agency (or of agency_id, for a system administrator), newest first.",
)
async def list_dispatches(
    principal: CurrentPrincipal,
    session: SessionDep,
    agency_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DispatchSummary]:
    sender = agency_id or principal.agency_id
    if sender is None:
        return []
    ensure_agency(principal, sender)
    return await dispatch_service.list(session, sender, limit=limit, offset=offset)


@router.get(
    "/{dispatch_id}",
    response_model=Dispatch,
    responses=problems(DispatchNotFound),
    description="Each recipient's transport state, current status and trail. " + SENDER,
)
async def get_dispatch(dispatch: DispatchOfSender, session: SessionDep, clock: ClockDep) -> Dispatch:
    return await dispatch_service.view(session, dispatch, on=today(clock.now()))


@router.get(
    "/{dispatch_id}/rollup",
    response_model=Rollup,
    responses=problems(DispatchNotFound),
    description=(
        "Counts per status over the dispatch and every forward below it, the overdue count and the units "
        "that have not accepted yet. " + SENDER
    ),
)
async def get_rollup(dispatch: DispatchOfSender, session: SessionDep, clock: ClockDep) -> Rollup:
    return await dispatch_service.rollup(session, dispatch, on=today(clock.now()))


@router.post(
    "/{dispatch_id}/update",
    response_model=Dispatch,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": Dispatch, "description": "the same Idempotency-Key and body were sent before"},
        **problems(
            DispatchNotFound,
            OtherAgency,
            MissingRole,
            DocumentWithdrawn,
            DocumentReplacedAlready,
            NotUpdatable,
            IdempotencyKeyReused,
        ),
    },
    description=(
        "Tell the recipients of a dispatch that its document was updated (edXML business type 2): a new "
        "dispatch of the same document with one update delivery per recipient, the note saying what changed. "
        "Needs a clerk of the sending agency."
    ),
)
async def update_dispatch(
    dispatch_id: UUID,
    data: DispatchUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Dispatch:
    now = clock.now()
    created, fresh = await dispatch_service.update(
        session, principal, dispatch_id, data, idempotency_key=idempotency_key, now=now
    )
    if not fresh:
        response.status_code = status.HTTP_200_OK
    return await dispatch_service.view(session, created, on=today(now))
