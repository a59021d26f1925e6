from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class DocumentSignature(Base):
    """One signature found in one stored PDF of a document, and what its validation said.

    ``origin`` is ``signed`` for a signature applied here (``kind`` personal or agency, ``key_ref``
    saying where the key was, never a secret) and ``received`` for one found in an uploaded file.
    Validating the same content again replaces its rows (one per signature position)."""

    __tablename__ = "document_signature"
    __table_args__ = (UniqueConstraint("document_id", "sha256", "position"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    document_id: Mapped[UUID] = mapped_column(ForeignKey("document.id"), index=True)
    file_id: Mapped[UUID | None] = mapped_column(nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(BigInteger)
    origin: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    key_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    field_name: Mapped[str] = mapped_column(String(127))
    signer_common_name: Mapped[str] = mapped_column(String(255))
    signer_organisation: Mapped[str] = mapped_column(String(255))
    signer_serial: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(255))
    signing_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    intact: Mapped[bool] = mapped_column(Boolean)
    valid: Mapped[bool] = mapped_column(Boolean)
    trusted: Mapped[bool] = mapped_column(Boolean)
    revocation: Mapped[str] = mapped_column(String(16))
    coverage: Mapped[str] = mapped_column(String(32))
    modification: Mapped[str] = mapped_column(String(32))
    bottom_line: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(String(255))
    problems: Mapped[list[str]] = mapped_column(JSON)
    signed_by: Mapped[UUID | None] = mapped_column(nullable=True)
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime)
