from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class LoginChallenge(Base):
    """The first step of a login passed (the password was right); a second factor completes it."""

    __tablename__ = "login_challenge"

    id: Mapped[UUID] = mapped_column(primary_key=True)  # random (uuid4): it stands for a passed password
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
