from collections.abc import Sequence
from typing import Annotated, Final, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from kit_core import (
    AUTHENTICATION,
    MissingRole,
    MissingScope,
    OtherAgency,
    Principal,
    Role,
    problems,
    require_scopes,
)
from kit_db import SessionDep
from notify_service import models
from notify_service.dependencies import StateDep

from .exceptions import (
    AllowPrivateNeedsSystemAdmin,
    SubscriptionNotFound,
    TargetNotAllowed,
    WebhookAgencyRequired,
)
from .schemas import (
    Subscription,
    SubscriptionCreate,
    SubscriptionUpdate,
    SubscriptionWithSecret,
    WebhookDeliveryRead,
)
from .service import webhooks

SCOPE: Final = "webhooks.manage"
Manager = Annotated[Principal, Depends(require_scopes(SCOPE, roles=(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN)))]

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    responses=problems(*AUTHENTICATION, MissingRole, MissingScope),
)

WHO: Final = (
    f"System administrators (any agency), agency administrators and machine clients with the `{SCOPE}` "
    "scope (their own agency). Another agency's subscription is 404."
)


def _with_secret(row: models.WebhookSubscription, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret.model_validate(
        {**Subscription.model_validate(row).model_dump(), "secret": secret}
    )


@router.post(
    "",
    response_model=SubscriptionWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses=problems(TargetNotAllowed, AllowPrivateNeedsSystemAdmin, OtherAgency, WebhookAgencyRequired),
    description="Subscribe a partner endpoint to event kinds of an agency. The signing secret is in this "
    "answer only. The URL must be https and resolve to public addresses only (loopback, private, link-local "
    f"and similar ranges are refused unless a system administrator sets allow_private). {WHO}",
)
async def create_subscription(
    body: SubscriptionCreate, session: SessionDep, actor: Manager, state: StateDep
) -> SubscriptionWithSecret:
    row, secret = await webhooks.create(session, actor, body, state=state)
    return _with_secret(row, secret)


@router.get("", response_model=list[Subscription], description=f"Subscriptions. {WHO}")
async def list_subscriptions(
    session: SessionDep, actor: Manager, org_id: UUID | None = None
) -> Sequence[models.WebhookSubscription]:
    return await webhooks.listing(session, actor, org_id=org_id)


@router.get(
    "/{subscription_id}",
    response_model=Subscription,
    responses=problems(SubscriptionNotFound),
    description=f"One subscription (without its secret). {WHO}",
)
async def get_subscription(
    subscription_id: UUID, session: SessionDep, actor: Manager
) -> models.WebhookSubscription:
    return await webhooks.get(session, actor, subscription_id)


@router.patch(
    "/{subscription_id}",
    response_model=Subscription,
    responses=problems(SubscriptionNotFound, TargetNotAllowed, AllowPrivateNeedsSystemAdmin),
    description=f"Change the URL (checked again), event kinds or description. {WHO}",
)
async def update_subscription(
    subscription_id: UUID, body: SubscriptionUpdate, session: SessionDep, actor: Manager, state: StateDep
) -> models.WebhookSubscription:
    return await webhooks.update(session, actor, subscription_id, body, state=state)


@router.delete(
    "/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(SubscriptionNotFound),
    description=f"Unsubscribe; deliveries not yet made are dropped. {WHO}",
)
async def delete_subscription(subscription_id: UUID, session: SessionDep, actor: Manager) -> Response:
    await webhooks.delete(session, actor, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{subscription_id}/rotate-secret",
    response_model=SubscriptionWithSecret,
    responses=problems(SubscriptionNotFound),
    description="A new signing secret, shown once. Until previous_secret_expires_at "
    "(NOTIFY_WEBHOOK_ROTATION_OVERLAP_HOURS) each delivery carries two signatures, one per secret, so "
    f"the partner can switch at its own pace. {WHO}",
)
async def rotate_secret(
    subscription_id: UUID, session: SessionDep, actor: Manager, state: StateDep
) -> SubscriptionWithSecret:
    row, secret = await webhooks.rotate(session, actor, subscription_id, state=state)
    return _with_secret(row, secret)


@router.post(
    "/{subscription_id}/resume",
    response_model=Subscription,
    responses=problems(SubscriptionNotFound),
    description="Resume a paused subscription: what waited meanwhile is sent at once. "
    f"(Deliveries that had already failed for good stay failed.) {WHO}",
)
async def resume_subscription(
    subscription_id: UUID, session: SessionDep, actor: Manager, state: StateDep
) -> models.WebhookSubscription:
    return await webhooks.resume(session, actor, subscription_id, state=state)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=list[WebhookDeliveryRead],
    responses=problems(SubscriptionNotFound),
    description=f"The subscription's deliveries, newest first. {WHO}",
)
async def list_deliveries(
    subscription_id: UUID,
    session: SessionDep,
    actor: Manager,
    delivery_status: Annotated[
        Literal["created", "sending", "delivered", "temporary-failure", "permanent-failure"] | None,
        Query(alias="status"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Sequence[models.WebhookDelivery]:
    return await webhooks.deliveries(session, actor, subscription_id, status=delivery_status, limit=limit)
