from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class IssuedDocument(Base):
    """The replica of docs-service's issued documents: only these may be dispatched."""

    __tablename__ = "issued_document"

    id: Mapped[UUID] = mapped_column(primary_key=True)  # the document id in docs-service
    # The issuing agency; no foreign key: the replica follows docs-service, not the directory.
    org_id: Mapped[UUID] = mapped_column(index=True)
    exchange_id: Mapped[str] = mapped_column(String(100))
    confidentiality: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))  # kit_contracts.Urgency, for the inbox's order
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # kit_contracts.DocumentSummary as JSON
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reason: Mapped[str | None] = mapped_column(String(1000))
    # Set by docs.document.replaced.v1: the document that replaces this one (no more dispatches).
    replaced_by_id: Mapped[UUID | None] = mapped_column()


class Dispatch(Base):
    """One sending of a document to its recipients; a forward is a dispatch with a parent delivery."""

    __tablename__ = "dispatch"
    __table_args__ = (UniqueConstraint("sender_org_id", "idempotency_key"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    document_id: Mapped[UUID] = mapped_column(ForeignKey("issued_document.id"), index=True)
    exchange_id: Mapped[str] = mapped_column(String(100))
    sender_org_id: Mapped[UUID] = mapped_column(ForeignKey("org.id"), index=True)
    # No foreign key: delivery already points at dispatch, and a forward needs its delivery first.
    parent_delivery_id: Mapped[UUID | None] = mapped_column(index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[UUID | None] = mapped_column()
    created_by_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One recipient of a dispatch: its route, transport state and current business status."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("dispatch_id", "recipient_org_id", "business_type"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    dispatch_id: Mapped[UUID] = mapped_column(ForeignKey("dispatch.id"), index=True)
    recipient_org_id: Mapped[UUID] = mapped_column(ForeignKey("org.id"), index=True)
    recipient_code: Mapped[str] = mapped_column(String(13))
    external: Mapped[bool] = mapped_column(Boolean)
    business_type: Mapped[str] = mapped_column(String(1))  # kit_contracts.BusinessType
    revokes_delivery_id: Mapped[UUID | None] = mapped_column(ForeignKey("delivery.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(1000))
    transport: Mapped[str] = mapped_column(String(16))  # delivery.schemas.Transport
    attempts: Mapped[int] = mapped_column(BigInteger)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str | None] = mapped_column(String(2))  # the latest trail entry's code
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryStatus(Base):
    """One entry of a delivery's trail (edXML business status)."""

    __tablename__ = "delivery_status"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("delivery.id"), index=True)
    code: Mapped[str] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(String(1000))
    actor_id: Mapped[UUID | None] = mapped_column()
    actor_name: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
