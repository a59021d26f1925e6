from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class RecipientGroup(Base):
    """A named list of recipients owned by one agency: static members, or a rule over the tree."""

    __tablename__ = "recipient_group"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[UUID] = mapped_column(ForeignKey("org.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))  # static | dynamic
    rule: Mapped[str | None] = mapped_column(String(32))  # dynamic only: see group.schemas.RuleType
    node_id: Mapped[UUID | None] = mapped_column(ForeignKey("org.id"), index=True)
    tier: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecipientGroupMember(Base):
    __tablename__ = "recipient_group_member"

    group_id: Mapped[UUID] = mapped_column(
        ForeignKey("recipient_group.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[UUID] = mapped_column(ForeignKey("org.id"), primary_key=True, index=True)
