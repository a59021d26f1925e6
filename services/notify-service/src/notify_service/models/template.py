from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class Template(Base):
    """One saved version of the text for a kind on a channel; the highest version is the one in use."""

    __tablename__ = "template"
    __table_args__ = (UniqueConstraint("kind", "channel", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True, doc="e-mail subject, in-app title")
    body: Mapped[str] = mapped_column(Text, doc="SMS text, e-mail plain part, in-app body")
    html: Mapped[str | None] = mapped_column(Text, nullable=True, doc="e-mail HTML part")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
