from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class TotpFactor(Base):
    """An authenticator app (RFC 6238). Pending until a first code confirms it; one confirmed per user."""

    __tablename__ = "totp_factor"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    algorithm: Mapped[str] = mapped_column(String(8))
    digits: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[int] = mapped_column(BigInteger)
    # Replay guard: a code is accepted only for a time step above this one.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while enrolling during a login (the user has no factor yet): only that challenge confirms it.
    challenge_id: Mapped[UUID | None] = mapped_column()
