from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class User(Base):
    """identity-service's user, as its last snapshot (UserCreated / UserUpdated) described them."""

    __tablename__ = "notify_user"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    active: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserRole(Base):
    """One role a user holds in one agency (recipients by org_id + org_roles)."""

    __tablename__ = "notify_user_role"
    __table_args__ = (Index("ix_notify_user_role_org_id_role", "org_id", "role"),)

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    org_id: Mapped[UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
