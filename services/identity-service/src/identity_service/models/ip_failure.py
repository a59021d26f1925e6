from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class IpFailure(Base):
    """Failed or refused login attempts from one client address, counted per minute: the per-IP layer
    of the lockouts sums the buckets of its window, and the cleanup worker drops older ones."""

    __tablename__ = "login_ip_failure"

    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    failures: Mapped[int] = mapped_column(BigInteger)
