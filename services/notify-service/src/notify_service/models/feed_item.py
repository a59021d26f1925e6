from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class FeedItem(Base):
    """One notification in one user's in-app feed."""

    __tablename__ = "feed_item"
    __table_args__ = (
        # A request repeated under the same key (a retry, a replay, a second publish) adds nothing.
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_feed_item_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
