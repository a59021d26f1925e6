from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class Direction(StrEnum):
    OUTGOING = "outgoing"  # văn bản đi
    INCOMING = "incoming"  # văn bản đến


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SIGNED = "signed"
    ISSUED = "issued"
    RECALLED = "recalled"
    REPLACED = "replaced"
    ARRIVED = "arrived"
    REGISTERED = "registered"
    RETURNED = "returned"


class Document(Base):
    """One document of one agency: an outgoing one it drafts and issues, or its incoming copy of another's."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("org_id", "idempotency_key"),
        UniqueConstraint("delivery_id"),
        UniqueConstraint("register_id", "number"),
        UniqueConstraint("arrival_register_id", "arrival_number"),
        Index("ix_document_org_id_created_at", "org_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("agency.id"))
    direction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)

    type_code: Mapped[str | None] = mapped_column(ForeignKey("document_type.code"), nullable=True)
    type_name: Mapped[str] = mapped_column(String(100))
    type_abbreviation: Mapped[str | None] = mapped_column(String(10), nullable=True)
    subject: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    urgency: Mapped[str] = mapped_column(String(16))
    confidentiality: Mapped[str] = mapped_column(String(16))
    signer_competence: Mapped[str | None] = mapped_column(String(5), nullable=True)
    signer_position: Mapped[str | None] = mapped_column(String(100), nullable=True)
    signer_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    place: Mapped[str | None] = mapped_column(String(100), nullable=True)
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    page_count: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    copies: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recipients_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    drafting_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    answers_to_id: Mapped[UUID | None] = mapped_column(nullable=True)
    replaces_id: Mapped[UUID | None] = mapped_column(nullable=True)

    register_id: Mapped[UUID | None] = mapped_column(ForeignKey("register.id"), nullable=True)
    number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    number_text: Mapped[str | None] = mapped_column(String(11), nullable=True)
    notation: Mapped[str | None] = mapped_column(String(30), nullable=True)
    exchange_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)

    created_by: Mapped[UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by: Mapped[UUID | None] = mapped_column(nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by: Mapped[UUID | None] = mapped_column(nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sealed_by: Mapped[UUID | None] = mapped_column(nullable=True)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    issued_by: Mapped[UUID | None] = mapped_column(nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recall_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    replaced_by_id: Mapped[UUID | None] = mapped_column(nullable=True)

    # Incoming copies: where they came from, verbatim, and how the clerk took them in.
    delivery_id: Mapped[UUID | None] = mapped_column(nullable=True)
    sender_org_id: Mapped[UUID | None] = mapped_column(nullable=True)
    sender_org_code: Mapped[str | None] = mapped_column(String(13), nullable=True)
    sender_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    source_document_id: Mapped[UUID | None] = mapped_column(nullable=True)
    received_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The sender's files whose content the blob store does not hold (an external document, fetched later):
    # FileRef dicts (file_id, sha256, name, content_type, size, main); None or empty when all arrived.
    missing_files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    arrival_register_id: Mapped[UUID | None] = mapped_column(ForeignKey("register.id"), nullable=True)
    arrival_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    arrival_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    registered_by: Mapped[UUID | None] = mapped_column(nullable=True)
    returned_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
