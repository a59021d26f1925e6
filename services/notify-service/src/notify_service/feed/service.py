import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_core import get_logger
from notify_service import models

from .exceptions import FeedItemNotFound
from .repository import FeedItemRepository

log = get_logger(__name__)


class FeedHub:
    """The live feed inside one process: each open stream of a user gets every new item of that user.

    Items are published after the worker's commit. A slow stream whose queue is full loses live items
    (it can reconnect with Last-Event-ID and read them from the database). Distributed mode needs
    the publish to cross processes (PostgreSQL NOTIFY or a bus topic); see the README.
    """

    def __init__(self, *, queue_size: int = 100) -> None:
        self._streams: dict[UUID, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self.queue_size = queue_size

    def publish(self, user_id: UUID, item: dict[str, Any]) -> int:
        reached = 0
        for queue in list(self._streams.get(user_id, ())):
            try:
                queue.put_nowait(item)
                reached += 1
            except asyncio.QueueFull:
                log.warning("feed.stream_overflow", user_id=str(user_id))
        return reached

    @contextlib.contextmanager
    def subscribe(self, user_id: UUID) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=self.queue_size)
        self._streams[user_id].add(queue)
        try:
            yield queue
        finally:
            self._streams[user_id].discard(queue)
            if not self._streams[user_id]:
                del self._streams[user_id]

    @property
    def streams(self) -> int:
        return sum(len(s) for s in self._streams.values())


class FeedService:
    async def add(self, session: AsyncSession, delivery: models.Delivery, *, key: str, at: datetime) -> bool:
        """The in-app channel: one feed item per delivery; False if the user already has it (a replay)."""
        if delivery.user_id is None:
            raise ValueError("an in-app delivery needs a user")
        row = {
            "id": delivery.id,
            "user_id": delivery.user_id,
            "kind": delivery.kind,
            "title": (delivery.title or "")[:255],
            "body": delivery.body,
            "data": delivery.data,
            "idempotency_key": key,
            "created_at": at,
            "read_at": None,
        }
        created = await FeedItemRepository(session).add_missing([row])
        return bool(created)

    async def recent(
        self, session: AsyncSession, user_id: UUID, since: datetime
    ) -> Sequence[models.FeedItem]:
        return await FeedItemRepository(session).recent(user_id, since)

    async def since(self, session: AsyncSession, user_id: UUID, after: UUID) -> Sequence[models.FeedItem]:
        return await FeedItemRepository(session).since(user_id, after)

    async def feed(
        self, session: AsyncSession, user_id: UUID, *, unread_only: bool, limit: int
    ) -> Sequence[models.FeedItem]:
        return await FeedItemRepository(session).feed(user_id, unread_only=unread_only, limit=limit)

    async def unread_count(self, session: AsyncSession, user_id: UUID) -> int:
        return await FeedItemRepository(session).unread_count(user_id)

    async def mark_read(
        self, session: AsyncSession, item_id: UUID, *, user_id: UUID, at: datetime
    ) -> models.FeedItem:
        """Only in ``user_id``'s own feed: someone else's item is not found, the same as a missing one."""
        items = FeedItemRepository(session)
        await items.mark_read(item_id, user_id=user_id, at=at)
        item = await items.of_user(item_id, user_id=user_id)
        if item is None:
            raise FeedItemNotFound(f"no notification with id {item_id} in your feed")
        return item


feed = FeedService()
