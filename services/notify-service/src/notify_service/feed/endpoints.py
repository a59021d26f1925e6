from collections.abc import Sequence
from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Query

from kit_core import problems
from kit_db import SessionDep
from notify_service import models

from .exceptions import FeedItemNotFound
from .schemas import FeedItem, UnreadCount
from .service import feed as feed_service

router = APIRouter(prefix="/api/v1/notifications/feed", tags=["feed"])

NO_AUTH: Final = (
    "No authentication yet: any caller can act on any user's feed. The identity issue adds tokens, "
    "and then the user comes from the token instead of the request."
)
UserIdQuery = Annotated[UUID, Query(description="whose feed (until tokens exist, see above)")]


@router.get("", response_model=list[FeedItem], description=f"A user's notifications, newest first. {NO_AUTH}")
async def list_feed(
    session: SessionDep,
    user_id: UserIdQuery,
    unread: Annotated[bool, Query(description="true: only notifications not yet read")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Sequence[models.FeedItem]:
    return await feed_service.feed(session, user_id, unread_only=unread, limit=limit)


@router.get(
    "/unread-count", response_model=UnreadCount, description=f"How many notifications are unread. {NO_AUTH}"
)
async def count_unread(session: SessionDep, user_id: UserIdQuery) -> UnreadCount:
    return UnreadCount(user_id=user_id, unread=await feed_service.unread_count(session, user_id))


@router.post(
    "/{item_id}/read",
    response_model=FeedItem,
    responses=problems(FeedItemNotFound),
    description=f"Mark a notification read; repeating it keeps the first read time. {NO_AUTH}",
)
async def mark_read(item_id: UUID, session: SessionDep) -> models.FeedItem:
    return await feed_service.mark_read(session, item_id)
