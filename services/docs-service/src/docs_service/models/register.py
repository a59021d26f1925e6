from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class RegisterKind(StrEnum):
    OUTGOING = "outgoing"  # sổ đăng ký văn bản đi
    INCOMING = "incoming"  # sổ đăng ký văn bản đến


class RegisterSeries(StrEnum):
    """Number series (Điều 15): administrative documents, secret ones; each legal-normative type has
    its own, named ``legal.<type code>`` (``legal.quyet_dinh_qppl``)."""

    ADMINISTRATIVE = "administrative"
    SECRET = "secret"  # noqa: S105 - a series name, not a password


class Register(Base):
    """One numbering register (sổ đăng ký) of an agency for one calendar year; numbers restart each 1 January."""

    __tablename__ = "register"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "kind", "series"),
        CheckConstraint("kind IN ('outgoing', 'incoming')", name="kind"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    series: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255))
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
