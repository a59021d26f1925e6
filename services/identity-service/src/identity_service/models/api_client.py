from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class ApiClient(Base):
    """A machine client (another government system, a partner) using OAuth2 client credentials. Its
    secret is stored as a SHA-256 hash; after a rotation the previous one stays valid for a grace period."""

    __tablename__ = "api_client"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None: a service of this installation (``identity_service clients ensure``), acting for no agency.
    agency_id: Mapped[UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    rate_limit_per_minute: Mapped[int] = mapped_column(BigInteger)
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
