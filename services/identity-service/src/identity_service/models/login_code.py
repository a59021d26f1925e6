from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class LoginCode(Base):
    """A one-time code sent by SMS or e-mail for one login challenge: kept as a keyed hash, valid a few
    minutes, a few tries, used once; sending a new one for the challenge supersedes it."""

    __tablename__ = "login_code"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    challenge_id: Mapped[UUID] = mapped_column(ForeignKey("login_challenge.id"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_to: Mapped[str] = mapped_column(String(254))  # masked, for the audit and the answer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
