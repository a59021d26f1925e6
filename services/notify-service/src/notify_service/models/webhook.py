from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # failing continuously: deliveries are recorded but wait for a resume


class WebhookSubscription(Base):
    """A partner's endpoint for some event kinds about one agency."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (Index("ix_webhook_subscription_org_id", "org_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    org_id: Mapped[UUID]
    owner: Mapped[str] = mapped_column(String(128), doc="who created it: a client id or a user's subject")
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    allow_private: Mapped[bool] = mapped_column(Boolean, doc="set by a system administrator only")
    status: Mapped[str] = mapped_column(String(16))
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(BigInteger)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def active_secrets(self, now: datetime) -> list[str]:
        """The secrets to sign with: the previous one too while the rotation overlap lasts."""
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            return [self.previous_secret, self.secret]
        return [self.secret]


class WebhookDelivery(Base):
    """One event for one subscription: the exact body, signed anew at each attempt. Its id is the
    ``webhook-id`` header, the same on every retry (the partner's idempotency key)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_subscription_id_created_at", "subscription_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    subscription_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    event_id: Mapped[UUID]
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(BigInteger)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def payload(self) -> dict[str, Any]:
        import json

        value: dict[str, Any] = json.loads(self.body)
        return value
