from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class DocumentFlag(Base):
    """A recall, update or replacement the sender asked for on an incoming copy: shown, never applied."""

    __tablename__ = "document_flag"
    __table_args__ = (UniqueConstraint("delivery_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    document_id: Mapped[UUID] = mapped_column(ForeignKey("document.id"), index=True)
    delivery_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(String(16))  # revoke | update | replace
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    exchange_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
