from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class AccountLockout(Base):
    """Consecutive failures of one account and its timed lock, which grows with each repeat."""

    __tablename__ = "account_lockout"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    failed_count: Mapped[int] = mapped_column(BigInteger, default=0)
    lockouts: Mapped[int] = mapped_column(BigInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An administrator cleared the lockout: the sliding window ignores failures before this.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
