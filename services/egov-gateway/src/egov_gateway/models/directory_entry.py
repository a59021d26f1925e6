from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class DirectoryEntry(Base):
    """The gateway's routing table: one row per agency in routing-service's directory."""

    __tablename__ = "directory_entry"

    agency_id: Mapped[UUID] = mapped_column(primary_key=True)
    # Not unique: events of two agencies are ordered independently, so a code handed from one agency
    # to another can briefly sit on both here.
    code: Mapped[str] = mapped_column(String(13), index=True)
    name: Mapped[str] = mapped_column(String(255))
    tier: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[UUID | None] = mapped_column(nullable=True)
    external: Mapped[bool] = mapped_column(Boolean)  # reached through the national axis, not served here
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
