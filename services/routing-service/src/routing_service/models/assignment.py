from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class Assignment(Base):
    """A leader's direction (bút phê) on a received delivery: who handles it, by when."""

    __tablename__ = "assignment"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("delivery.id"), unique=True)
    org_id: Mapped[UUID] = mapped_column(ForeignKey("org.id"), index=True)
    direction: Mapped[str] = mapped_column(String(2000))
    deadline: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # assignment.schemas.AssignmentState
    assigned_by: Mapped[UUID | None] = mapped_column(index=True)
    assigned_by_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the scheduler told the handler it is due soon, then overdue, then escalated to leaders.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A pending request to move the deadline, until a leader decides on it.
    requested_deadline: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(String(1000))
    extension_requested_by: Mapped[UUID | None] = mapped_column()


class AssignmentMember(Base):
    """Who an assignment names: the lead, co-handlers and those informed (a unit or a person)."""

    __tablename__ = "assignment_member"

    assignment_id: Mapped[UUID] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # lead | co_handler | for_information
    kind: Mapped[str] = mapped_column(String(8))  # unit | user
    name: Mapped[str] = mapped_column(String(255))
