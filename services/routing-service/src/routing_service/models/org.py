from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class Org(Base):
    """An agency in the four-tier directory."""

    __tablename__ = "org"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    # QCVN 102 code in canonical form; code_raw keeps what was supplied when it was not canonical.
    code: Mapped[str] = mapped_column(String(13), unique=True)
    code_raw: Mapped[str | None] = mapped_column(String(32))
    qd20_code: Mapped[str | None] = mapped_column(String(35), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(50))
    tier: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[UUID | None] = mapped_column(ForeignKey("org.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(255))
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Lower case, no tones, đ → d: name, short name and both codes, kept in step by the service.
    search_text: Mapped[str] = mapped_column(String(400), server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
