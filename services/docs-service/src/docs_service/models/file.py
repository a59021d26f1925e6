from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class Blob(Base):
    """One stored content, by its SHA-256: however many documents attach it, it is stored once."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(127))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentFile(Base):
    """A file attached to a document: its name as sanitised, the type sniffed from its content."""

    __tablename__ = "document_file"
    __table_args__ = (UniqueConstraint("document_id", "sha256"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    document_id: Mapped[UUID] = mapped_column(ForeignKey("document.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    main: Mapped[bool] = mapped_column(Boolean)
    uploaded_by: Mapped[UUID | None] = mapped_column(nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
