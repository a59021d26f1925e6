from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kit_db import UTCDateTime

from .agency import Agency
from .base import Base


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"  # quản trị hệ thống
    AGENCY_ADMIN = "agency_admin"  # quản trị đơn vị
    CLERK = "clerk"  # văn thư
    LEADER = "leader"  # lãnh đạo
    SPECIALIST = "specialist"  # chuyên viên


class Membership(Base):
    """One role a user holds in one agency; a user acts for the agencies they hold a role in."""

    __tablename__ = "membership"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(ForeignKey("agency.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship(lazy="raise")
