from datetime import datetime, time
from uuid import UUID

from sqlalchemy import String, Time
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class Preference(Base):
    """A user's choice for one kind (or "*": every kind) on one channel."""

    __tablename__ = "preference"

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool]


class QuietHours(Base):
    """When a user wants no e-mail or SMS (Vietnam time); start > end spans midnight."""

    __tablename__ = "quiet_hours"

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
