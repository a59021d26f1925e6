from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Identity, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class DocumentAudit(Base):
    """Append-only, hash-chained log of every change of a document and every download of its files:
    ``hash`` = SHA-256 of the previous entry's hash and this entry's canonical JSON."""

    __tablename__ = "document_audit"
    __table_args__ = (Index("ix_document_audit_document_id_id", "document_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[UUID] = mapped_column()
    org_id: Mapped[UUID] = mapped_column()
    actor_id: Mapped[UUID | None] = mapped_column()
    actor_name: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DocumentAuditHead(Base):
    """The single row naming the chain's last entry: appenders lock it, so the chain never forks,
    and the verifier compares it with the last row, so entries cut off the end show too."""

    __tablename__ = "document_audit_head"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
