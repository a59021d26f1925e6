from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from kit_contracts import NotificationRequested
from kit_core import (
    AUTHENTICATION,
    MissingRole,
    MissingScope,
    OtherAgency,
    current_principal,
    new_id,
    problems,
)
from kit_db import SessionDep
from notify_service import models
from notify_service.dependencies import StateDep

from .dependencies import NotifyReader, NotifySender, source_of
from .exceptions import (
    AgencyRequired,
    NoRecipients,
    NotificationNotFound,
    OverrideNeedsOneRecipient,
    RecipientOutsideAgency,
    TooManyRequests,
)
from .schemas import Notification, NotificationCreate
from .service import notification as notification_service

router = APIRouter(
    prefix="/api/v1/notifications",
    tags=["notifications"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION, MissingRole, MissingScope),
)

WHO: Final = (
    "System administrators see every notification; an agency administrator only those about their own agency "
    "(org_id), and sends only within it. Machine clients act like an agency administrator of their token's "
    "agency, with the scope notifications.send (create) or notifications.read (read)."
)


@router.post(
    "",
    response_model=Notification,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": Notification,
            "description": "the key was used before: the first notification, unchanged",
        },
        **problems(
            NoRecipients,
            OverrideNeedsOneRecipient,
            AgencyRequired,
            RecipientOutsideAgency,
            OtherAgency,
            TooManyRequests,
        ),
    },
    description="Ask for people to be told something: recipients by user id and/or by role in an agency, "
    "channels by the users' preferences unless given. Sending happens after the answer, in the background; "
    "GET the notification to follow its deliveries. Each caller may create NOTIFY_API_RATE_LIMIT_PER_MINUTE "
    f"notifications a minute (then 429 with Retry-After). {WHO}",
)
async def create_notification(
    body: NotificationCreate, session: SessionDep, admin: NotifySender, state: StateDep, response: Response
) -> models.Notification:
    await notification_service.authorize(session, admin, org_id=body.org_id, user_ids=body.user_ids)
    request = NotificationRequested(request_id=new_id(), **body.model_dump())
    notification, created = await notification_service.request(
        session,
        request,
        source=source_of(admin),
        state=state,
        per_minute=state.settings.api_rate_limit_per_minute,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return notification


@router.get(
    "",
    response_model=list[Notification],
    description=f"Notifications, newest first, filtered. {WHO}",
)
async def list_notifications(
    session: SessionDep,
    admin: NotifyReader,
    org_id: UUID | None = None,
    source: Annotated[
        str | None,
        Query(
            max_length=128,
            description="who asked: a producing service (e.g. docs-service), client:<client id> or api:<user>",
        ),
    ] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    recipient: Annotated[UUID | None, Query(description="only those with a delivery to this user")] = None,
    delivery_status: Annotated[
        Literal["created", "sending", "delivered", "temporary-failure", "permanent-failure"] | None,
        Query(alias="status", description="only those with a delivery in this status"),
    ] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Sequence[models.Notification]:
    if not admin.is_system_admin:
        org_id = admin.agency_id
    return await notification_service.search(
        session,
        org_id=org_id,
        source=source,
        kind=kind,
        user_id=recipient,
        status=delivery_status,
        since=since,
        limit=limit,
    )


@router.get(
    "/{notification_id}",
    response_model=Notification,
    responses=problems(NotificationNotFound),
    description=f"One notification with its deliveries and every attempt. {WHO} Another agency's is 404.",
)
async def get_notification(
    notification_id: UUID, session: SessionDep, admin: NotifyReader
) -> models.Notification:
    notification = await notification_service.get(session, notification_id)
    if not admin.is_system_admin and (
        notification.org_id is None or not admin.may_act_for(notification.org_id)
    ):
        raise NotificationNotFound(f"no notification with id {notification_id}")
    return notification
