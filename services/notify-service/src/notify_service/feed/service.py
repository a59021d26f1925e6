from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from string import Formatter
from typing import Any, Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_contracts import NotificationRequested
from kit_core import get_logger, new_id
from notify_service import models

from .exceptions import FeedItemNotFound
from .repository import FeedItemRepository

log = get_logger(__name__)


@dataclass(frozen=True)
class Text:
    title: str
    body: str

    def placeholders(self) -> set[str]:
        return {name for part in (self.title, self.body) for _, name, _, _ in Formatter().parse(part) if name}


TEXTS: Final[Mapping[str, Text]] = {
    "user.welcome": Text(
        title="Chào mừng đến với hệ thống quản lý văn bản",
        body="Xin chào {full_name}, tài khoản {username} của bạn tại {agency_name} đã được tạo.",
    ),
    "document.arrived": Text(
        title="Có văn bản đến mới",
        body="{sender_name} đã gửi văn bản số {number}: {subject}.",
    ),
}
# Says nothing about the request's data: an unknown kind may carry anything, codes and tokens included.
GENERIC: Final = Text(
    title="Thông báo mới",
    body="Bạn có một thông báo mới. Vui lòng mở hệ thống quản lý văn bản để xem chi tiết.",
)


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    data: dict[str, Any]


def render(request: NotificationRequested) -> Rendered:
    """The Vietnamese text for a request; a value the text needs but the request lacks stays visible as {name}."""
    text = TEXTS.get(request.kind, GENERIC)
    values = _KeepMissing(request.data)
    shown = {name: request.data[name] for name in sorted(text.placeholders()) if name in request.data}
    data = {
        "request_id": str(request.request_id),
        "org_id": str(request.org_id) if request.org_id else None,
        **shown,
    }
    return Rendered(title=text.title.format_map(values)[:255], body=text.body.format_map(values), data=data)


class FeedService:
    async def deliver(
        self, session: AsyncSession, request: NotificationRequested, *, at: datetime
    ) -> list[UUID]:
        """One feed item per user named in the request, except those who already have one under its key."""
        rendered = render(request)
        rows = [
            {
                "id": new_id(),
                "user_id": user_id,
                "kind": request.kind,
                "title": rendered.title,
                "body": rendered.body,
                "data": rendered.data,
                "idempotency_key": request.idempotency_key,
                "created_at": at,
                "read_at": None,
            }
            for user_id in dict.fromkeys(request.user_ids)
        ]
        created = await FeedItemRepository(session).add_missing(rows)
        log.info(
            "feed.delivered",
            request_id=str(request.request_id),
            kind=request.kind,
            users=len(rows),
            created=len(created),
        )
        return created

    async def feed(
        self, session: AsyncSession, user_id: UUID, *, unread_only: bool, limit: int
    ) -> Sequence[models.FeedItem]:
        return await FeedItemRepository(session).feed(user_id, unread_only=unread_only, limit=limit)

    async def unread_count(self, session: AsyncSession, user_id: UUID) -> int:
        return await FeedItemRepository(session).unread_count(user_id)

    async def mark_read(self, session: AsyncSession, item_id: UUID, *, user_id: UUID) -> models.FeedItem:
        """Only in ``user_id``'s own feed: someone else's item is not found, the same as a missing one."""
        items = FeedItemRepository(session)
        await items.mark_read(item_id, user_id=user_id, at=datetime.now(UTC))
        item = await items.of_user(item_id, user_id=user_id)
        if item is None:
            raise FeedItemNotFound(f"no notification with id {item_id} in your feed")
        return item


feed = FeedService()
