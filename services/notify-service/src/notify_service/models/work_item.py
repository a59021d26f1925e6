from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Boolean, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class WorkItem(Base):
    """One piece of work a user was told about (assignment.created / due_soon / overdue requests notify
    recorded), kept for the daily digest until it is completed or long past its deadline."""

    __tablename__ = "work_item"
    __table_args__ = (Index("ix_work_item_user_id_open", "user_id", "open"),)

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(200), primary_key=True, doc="assignment id, else document")
    number: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, doc="an assignment.overdue request said so")
    open: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestSent(Base):
    """The day (Vietnam time) a user's digest was recorded: one per user per day."""

    __tablename__ = "digest_sent"

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    notification_id: Mapped[UUID]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
