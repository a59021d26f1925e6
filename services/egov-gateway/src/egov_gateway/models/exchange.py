from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class ExchangePackage(Base):
    """One edXML package exchanged with the national axis, in either direction.

    Outbound document packages are one per routing delivery (``delivery_id`` unique) and carry a
    transport ``state``: pending → sent, or failed (retried) → finally_failed. Inbound packages
    (documents and status packages) are one per axis DocID (``axis_doc_id`` unique per direction).
    """

    __tablename__ = "exchange_package"
    __table_args__ = (
        UniqueConstraint("delivery_id", name="uq_exchange_package_delivery_id"),
        UniqueConstraint("direction", "axis_doc_id", name="uq_exchange_package_direction"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    kind: Mapped[str] = mapped_column(String(8))  # document | status
    business_type: Mapped[str | None] = mapped_column(String(1), nullable=True)  # BussinessDocType 0-3
    status_code: Mapped[str | None] = mapped_column(String(2), nullable=True)  # status packages
    delivery_id: Mapped[UUID | None] = mapped_column(nullable=True)
    exchange_id: Mapped[str] = mapped_column(String(100), index=True)  # DocumentId (or ResponseFor's)
    sender_code: Mapped[str] = mapped_column(String(13))
    recipient_codes: Mapped[str] = mapped_column(String(1000))  # comma separated QCVN 102 codes
    axis_doc_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    last_error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # outbound: what to build
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PackageParty(Base):
    """An agency of ours concerned by a package (its sender or one of its recipients): who may see it."""

    __tablename__ = "package_party"

    package_id: Mapped[UUID] = mapped_column(
        ForeignKey("exchange_package.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(9), primary_key=True)  # sender | recipient


class PackageEvidence(Base):
    """The exact bytes of a package as sent or received, with their hash and signature check."""

    __tablename__ = "package_evidence"

    package_id: Mapped[UUID] = mapped_column(
        ForeignKey("exchange_package.id", ondelete="CASCADE"), primary_key=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature_status: Mapped[str] = mapped_column(String(8))  # valid | invalid | missing
    signature_detail: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    verification: Mapped[dict[str, Any]] = mapped_column(JSON)


class AxisCursor(Base):
    """How far the inbound poll has fetched from the axis (the last axis sequence number handled)."""

    __tablename__ = "axis_cursor"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
