from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Identity, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class AuthAudit(Base):
    """Append-only, hash-chained log of authentication events: ``hash`` = SHA-256 of the previous
    entry's hash and this entry's canonical content, so editing or deleting a row breaks the chain."""

    __tablename__ = "auth_audit"
    __table_args__ = (Index("ix_auth_audit_user_id_occurred_at", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[UUID | None] = mapped_column()
    username: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[UUID | None] = mapped_column()
    actor_id: Mapped[UUID | None] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuthAuditHead(Base):
    """The single row naming the chain's last entry. Appenders lock it, so the chain never forks,
    and the verifier compares it with the last row, so cutting entries off the end shows too."""

    __tablename__ = "auth_audit_head"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
