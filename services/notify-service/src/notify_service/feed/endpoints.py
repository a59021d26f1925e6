from collections.abc import Sequence
from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from kit_core import AUTHENTICATION, current_principal, problems
from kit_db import SessionDep
from notify_service import models

from .dependencies import FeedOwner
from .exceptions import FeedItemNotFound, NotAPerson
from .schemas import FeedItem, UnreadCount
from .service import feed as feed_service

router = APIRouter(
    prefix="/api/v1/notifications/feed",
    tags=["feed"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION, NotAPerson),
)

RULE: Final = (
    "Only the signed-in user's own feed: the user comes from the access token, never from the request, "
    "and nobody (administrators included) reads or marks another user's notifications."
)


@router.get("", response_model=list[FeedItem], description=f"My notifications, newest first. {RULE}")
async def list_feed(
    session: SessionDep,
    user_id: FeedOwner,
    unread: Annotated[bool, Query(description="true: only notifications not yet read")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Sequence[models.FeedItem]:
    return await feed_service.feed(session, user_id, unread_only=unread, limit=limit)


@router.get(
    "/unread-count",
    response_model=UnreadCount,
    description=f"How many of my notifications are unread. {RULE}",
)
async def count_unread(session: SessionDep, user_id: FeedOwner) -> UnreadCount:
    return UnreadCount(user_id=user_id, unread=await feed_service.unread_count(session, user_id))


@router.post(
    "/{item_id}/read",
    response_model=FeedItem,
    responses=problems(FeedItemNotFound),
    description="Mark one of my notifications read; repeating it keeps the first read time. Another "
    f"user's notification is 404, as if it did not exist. {RULE}",
)
async def mark_read(item_id: UUID, session: SessionDep, user_id: FeedOwner) -> models.FeedItem:
    return await feed_service.mark_read(session, item_id, user_id=user_id)
