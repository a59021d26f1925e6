from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from kit_core import AUTHENTICATION, CurrentPrincipal, MissingRole, OtherAgency, current_principal, problems
from kit_db import SessionDep
from routing_service.delivery.exceptions import DeliveryNotFound, IllegalTransition
from routing_service.dependencies import ClockDep, today

from .exceptions import (
    AlreadyAssigned,
    AssignmentNotFound,
    ExtensionConflict,
    IllegalAssignmentStep,
    NotAssignable,
    NotTheLead,
)
from .schemas import (
    Assignment,
    AssignmentCreate,
    AssignmentState,
    ExtensionDecision,
    ExtensionRequest,
    ProgressReport,
    Reassignment,
)
from .service import assignment as assignment_service

router = APIRouter(
    tags=["assignments"], dependencies=[Depends(current_principal)], responses=problems(*AUTHENTICATION)
)
REPORTERS: Final = (
    "The lead handler (the person named, or anyone of the agency when a unit leads) or a leader of the "
    "receiving agency."
)


@router.post(
    "/api/v1/deliveries/{delivery_id}/assignment",
    response_model=Assignment,
    status_code=status.HTTP_201_CREATED,
    responses=problems(DeliveryNotFound, MissingRole, NotAssignable, AlreadyAssigned, IllegalTransition),
    description=(
        "A leader of the receiving agency writes the direction (bút phê) on a registered (03) delivery: one "
        "lead (unit or person), co-handlers, those informed and a deadline. Reports 04 (Phân công) to the "
        "sender; the people named are notified."
    ),
)
async def assign_delivery(
    delivery_id: UUID,
    data: AssignmentCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
) -> Assignment:
    now = clock.now()
    created = await assignment_service.assign(session, principal, delivery_id, data, now=now)
    return (await assignment_service.views(session, [created], on=today(now)))[0]


@router.get(
    "/api/v1/assignments",
    response_model=list[Assignment],
    description="Assignments of the caller's agency that name the caller or that the caller made, newest first.",
)
async def list_my_assignments(
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
    state: AssignmentState | None = None,
    overdue: Annotated[bool, Query(description="only deadline passed and not completed")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Assignment]:
    on = today(clock.now())
    found = await assignment_service.mine(
        session, principal, state=state, overdue_on=on if overdue else None, limit=limit, offset=offset
    )
    return await assignment_service.views(session, found, on=on)


@router.get(
    "/api/v1/assignments/{assignment_id}",
    response_model=Assignment,
    responses=problems(AssignmentNotFound),
    description="Any user of the receiving agency; to others it does not exist.",
)
async def get_assignment(
    assignment_id: UUID, principal: CurrentPrincipal, session: SessionDep, clock: ClockDep
) -> Assignment:
    found = await assignment_service.readable(session, principal, assignment_id)
    return (await assignment_service.views(session, [found], on=today(clock.now())))[0]


@router.post(
    "/api/v1/assignments/{assignment_id}/processing",
    response_model=Assignment,
    responses=problems(AssignmentNotFound, NotTheLead, IllegalAssignmentStep, IllegalTransition),
    description="The lead starts handling it: 05 (Đang xử lý) to the sender. " + REPORTERS,
)
async def start_assignment(
    assignment_id: UUID,
    data: ProgressReport,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
) -> Assignment:
    now = clock.now()
    found = await assignment_service.step(
        session, principal, assignment_id, AssignmentState.PROCESSING, note=data.note, now=now
    )
    return (await assignment_service.views(session, [found], on=today(now)))[0]


@router.post(
    "/api/v1/assignments/{assignment_id}/complete",
    response_model=Assignment,
    responses=problems(AssignmentNotFound, NotTheLead, IllegalAssignmentStep, IllegalTransition),
    description="The lead has finished: 06 (Hoàn thành) to the sender. " + REPORTERS,
)
async def complete_assignment(
    assignment_id: UUID,
    data: ProgressReport,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
) -> Assignment:
    now = clock.now()
    found = await assignment_service.step(
        session, principal, assignment_id, AssignmentState.COMPLETED, note=data.note, now=now
    )
    return (await assignment_service.views(session, [found], on=today(now)))[0]


@router.post(
    "/api/v1/assignments/{assignment_id}/reassign",
    response_model=Assignment,
    responses=problems(AssignmentNotFound, OtherAgency, MissingRole, IllegalAssignmentStep),
    description=(
        "A leader of the receiving agency names the lead, co-handlers and those informed again, and may move "
        "the deadline; the state is kept and newly named people are notified. Not once completed."
    ),
)
async def reassign(
    assignment_id: UUID, data: Reassignment, principal: CurrentPrincipal, session: SessionDep, clock: ClockDep
) -> Assignment:
    now = clock.now()
    found = await assignment_service.reassign(session, principal, assignment_id, data, now=now)
    return (await assignment_service.views(session, [found], on=today(now)))[0]


@router.post(
    "/api/v1/assignments/{assignment_id}/extension",
    response_model=Assignment,
    responses=problems(AssignmentNotFound, NotTheLead, IllegalAssignmentStep, ExtensionConflict),
    description=(
        "Ask for a later deadline, with the reason; the leader who assigned it is notified. One request at "
        "a time. " + REPORTERS
    ),
)
async def request_extension(
    assignment_id: UUID,
    data: ExtensionRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
) -> Assignment:
    now = clock.now()
    found = await assignment_service.request_extension(session, principal, assignment_id, data, now=now)
    return (await assignment_service.views(session, [found], on=today(now)))[0]


@router.post(
    "/api/v1/assignments/{assignment_id}/extension/decision",
    response_model=Assignment,
    responses=problems(AssignmentNotFound, OtherAgency, MissingRole, ExtensionConflict),
    description=(
        "A leader of the receiving agency approves (the deadline moves, and its reminders start again) or "
        "refuses the pending request; whoever asked is notified."
    ),
)
async def decide_extension(
    assignment_id: UUID,
    data: ExtensionDecision,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
) -> Assignment:
    now = clock.now()
    found = await assignment_service.decide_extension(session, principal, assignment_id, data, now=now)
    return (await assignment_service.views(session, [found], on=today(now)))[0]
