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
from routing_service.dispatch.dependencies import IdempotencyKey
from routing_service.dispatch.exceptions import (
    DocumentNotIssued,
    DocumentReplacedAlready,
    DocumentWithdrawn,
    IdempotencyKeyReused,
    NoRecipients,
    NotForwardable,
    OutsideSubtree,
    SecretDocument,
    UnknownRecipients,
)
from routing_service.dispatch.schemas import Dispatch, ForwardCreate
from routing_service.dispatch.service import dispatch as dispatch_service

from .exceptions import DeliveryNotFound, IllegalTransition, NotARecall
from .schemas import DeliveryDetail, InboxCounts, InboxFilter, RecallAnswer
from .service import delivery as delivery_service

router = APIRouter(dependencies=[Depends(current_principal)], responses=problems(*AUTHENTICATION))
READERS: Final = "Users of the sending or the receiving agency; to others it does not exist."


def inbox_owner(principal: CurrentPrincipal, agency_id: UUID | None = None) -> UUID | None:
    recipient = agency_id or principal.agency_id
    if recipient is not None:
        ensure_agency(principal, recipient)
    return recipient


InboxOwner = Annotated[UUID | None, Depends(inbox_owner)]


@router.get(
    "/api/v1/inbox",
    response_model=list[DeliveryDetail],
    tags=["deliveries"],
    responses=problems(OtherAgency),
    description=(
        "Deliveries to the caller's agency (or to agency_id, for a system administrator): urgent first "
        "(Hỏa tốc, Thượng khẩn, Khẩn), then newest. X-Total-Count carries the number matching."
    ),
)
async def inbox(
    owner: InboxOwner,
    filters: Annotated[InboxFilter, Query()],
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DeliveryDetail]:
    if owner is None:
        return []
    found, total = await delivery_service.inbox(
        session, owner, filters, on=today(clock.now()), limit=limit, offset=offset
    )
    response.headers["X-Total-Count"] = str(total)
    return found


@router.get(
    "/api/v1/inbox/counts",
    response_model=InboxCounts,
    tags=["deliveries"],
    responses=problems(OtherAgency),
    description="How many documents the caller's agency received, how many are new, new and urgent, overdue.",
)
async def inbox_counts(owner: InboxOwner, session: SessionDep, clock: ClockDep) -> InboxCounts:
    if owner is None:
        return InboxCounts(total=0, new=0, urgent=0, overdue=0)
    return await delivery_service.inbox_counts(session, owner, on=today(clock.now()))


@router.get(
    "/api/v1/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    tags=["deliveries"],
    responses=problems(DeliveryNotFound),
    description="The delivery, the document it carries, its transport state and status trail. " + READERS,
)
async def get_delivery(
    delivery_id: UUID, principal: CurrentPrincipal, session: SessionDep, clock: ClockDep
) -> DeliveryDetail:
    row = await delivery_service.readable(session, principal, delivery_id)
    return (await delivery_service.details(session, [row], on=today(clock.now())))[0]


@router.post(
    "/api/v1/deliveries/{delivery_id}/forward",
    response_model=Dispatch,
    status_code=status.HTTP_201_CREATED,
    tags=["deliveries"],
    responses={
        200: {"model": Dispatch, "description": "the same Idempotency-Key and body were sent before"},
        **problems(
            DeliveryNotFound,
            MissingRole,
            NotForwardable,
            DocumentNotIssued,
            DocumentWithdrawn,
            DocumentReplacedAlready,
            SecretDocument,
            UnknownRecipients,
            NoRecipients,
            OutsideSubtree,
            IdempotencyKeyReused,
        ),
    },
    description=(
        "Pass a received document on to agencies below the receiving agency (a district to its communes): "
        "a child dispatch linked to this delivery. Needs a clerk of the receiving agency."
    ),
)
async def forward_delivery(
    delivery_id: UUID,
    data: ForwardCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Dispatch:
    now = clock.now()
    created, fresh = await dispatch_service.forward(
        session, principal, delivery_id, data, idempotency_key=idempotency_key, now=now
    )
    if not fresh:
        response.status_code = status.HTTP_200_OK
    return await dispatch_service.view(session, created, on=today(now))


@router.post(
    "/api/v1/deliveries/{delivery_id}/recall-answer",
    response_model=DeliveryDetail,
    tags=["deliveries"],
    responses=problems(DeliveryNotFound, MissingRole, NotARecall, IllegalTransition),
    description=(
        "Answer a recall (business type 1): accept (15, Đồng ý thu hồi) or refuse (16, Từ chối thu hồi); "
        "once. Needs a clerk of the receiving agency."
    ),
)
async def answer_recall(
    delivery_id: UUID, data: RecallAnswer, principal: CurrentPrincipal, session: SessionDep, clock: ClockDep
) -> DeliveryDetail:
    now = clock.now()
    row = await delivery_service.answer_recall(
        session, principal, delivery_id, accept=data.accept, note=data.note, now=now
    )
    return (await delivery_service.details(session, [row], on=today(now)))[0]
