from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kit_db import UTCDateTime

from .base import Base


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"


class DeliveryStatus(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"


class Notification(Base):
    """One request to tell people something: from an event or the API, once per idempotency key."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_notification_created_at", "created_at"),
        Index("ix_notification_org_id_created_at", "org_id", "created_at"),
        Index("ix_notification_source_created_at", "source", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    request_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(128), doc="the producing service, or api:<token subject>")
    org_id: Mapped[UUID | None] = mapped_column(nullable=True)
    org_roles: Mapped[list[str]] = mapped_column(JSON)
    user_ids: Mapped[list[str]] = mapped_column(JSON)
    channels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    critical: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    deliveries: Mapped[list["Delivery"]] = relationship(
        lazy="raise", back_populates="notification", order_by="Delivery.id"
    )


class Delivery(Base):
    """One recipient on one channel: what to send, where it stands, when to try next."""

    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_delivery_user_id_channel_sent_at", "user_id", "channel", "sent_at"),
        Index("ix_delivery_notification_id", "notification_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    notification_id: Mapped[UUID] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    user_id: Mapped[UUID | None] = mapped_column(nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    critical: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True, doc="e-mail subject, in-app title")
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    template_version: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    attempts: Mapped[int] = mapped_column(BigInteger)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provider: Mapped[str | None] = mapped_column(String(64), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship(lazy="raise", back_populates="deliveries")
    attempt_log: Mapped[list["DeliveryAttempt"]] = relationship(
        lazy="raise", order_by="DeliveryAttempt.number"
    )


class DeliveryAttempt(Base):
    """One try at sending a delivery through one provider."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    elapsed_ms: Mapped[float] = mapped_column(Float)
