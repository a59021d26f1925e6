import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_core import AUTHENTICATION, current_principal, problems
from kit_db import SessionDep
from notify_service import models
from notify_service.dependencies import StateDep

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
async def mark_read(
    item_id: UUID, session: SessionDep, user_id: FeedOwner, state: StateDep
) -> models.FeedItem:
    return await feed_service.mark_read(session, item_id, user_id=user_id, at=state.clock.now())


POLL_OVERLAP: Final = timedelta(seconds=30)  # items committed late (a slow worker) are still seen


def _event(item: dict[str, Any]) -> str:
    return f"id: {item['id']}\nevent: notification\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
    description="My new notifications as they arrive (Server-Sent Events): each one an event `notification` "
    "whose `id` is the item id and whose `data` is the item as JSON. Send `Last-Event-ID` (browsers do on "
    "reconnect) to first get what arrived after that item. A comment line every few seconds keeps idle "
    f"connections open. {RULE}",
)
async def stream_feed(
    request: Request,
    user_id: FeedOwner,
    state: StateDep,
    last_event_id: Annotated[UUID | None, Header(description="resume after this item")] = None,
) -> StreamingResponse:
    sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    settings, clock, hub = state.settings, state.clock, state.hub
    heartbeat, poll = settings.feed_heartbeat_seconds, settings.feed_poll_seconds

    async def recent() -> list[dict[str, Any]]:
        async with sessionmaker() as session:
            rows = await feed_service.recent(session, user_id, clock.now() - POLL_OVERLAP)
        return [FeedItem.model_validate(r).model_dump(mode="json") for r in rows]

    async def events() -> AsyncIterator[str]:
        # Subscribed before anything is read, so nothing falls between the two; a stream that never
        # starts never subscribes. Items come from this process's worker at once (the hub), and, every
        # `poll` seconds, from the database (what a worker in another process delivered).
        with hub.subscribe(user_id) as queue:
            seen: dict[str, str] = {}  # id -> created_at, within the polling window

            def fresh(item: dict[str, Any]) -> bool:
                if item["id"] in seen:
                    return False
                seen[item["id"]] = item["created_at"]
                return True

            if poll is not None:
                for item in await recent():  # already there: not new
                    fresh(item)
            # Only now "connected": what is written after a client sees it is new to this stream.
            yield "retry: 3000\n: connected\n\n"
            if last_event_id is not None:
                async with sessionmaker() as session:
                    missed = await feed_service.since(session, user_id, last_event_id)
                for row in missed:
                    item = FeedItem.model_validate(row).model_dump(mode="json")
                    seen[item["id"]] = item["created_at"]
                    yield _event(item)
            loop = asyncio.get_running_loop()
            quiet_since = next_poll = loop.time()
            while True:
                wait = min(heartbeat, poll) if poll is not None else heartbeat
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=wait)
                    if fresh(item):
                        quiet_since = loop.time()
                        yield _event(item)
                except TimeoutError:
                    pass
                if poll is not None and loop.time() >= next_poll:
                    next_poll = loop.time() + poll
                    window = await recent()
                    for item in window:
                        if fresh(item):
                            quiet_since = loop.time()
                            yield _event(item)
                    keep = {i["id"] for i in window}
                    for old in [k for k in seen if k not in keep]:
                        del seen[old]
                if loop.time() - quiet_since >= heartbeat:
                    quiet_since = loop.time()
                    yield ": keep-alive\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
