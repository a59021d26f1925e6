from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class DocumentType(Base):
    """A document type (tên loại) with its abbreviation, seeded by migration; edXML codes are configuration.

    The 29 administrative types of NĐ 30/2020 Điều 7 / Phụ lục III, and the legal-normative types that
    number in series of their own. ``edxml_type`` / ``edxml_type_detail`` are the codes QCVN 102 leaves
    open: seeded with the likeliest values, changed by an operator, never by code.
    """

    __tablename__ = "document_type"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    abbreviation: Mapped[str | None] = mapped_column(String(10), nullable=True)
    family: Mapped[str] = mapped_column(String(16))  # administrative | legal
    position: Mapped[int] = mapped_column(BigInteger)
    edxml_type: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    edxml_type_detail: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UrgencyCode(Base):
    """Độ khẩn with its edXML ``OtherInfo/Priority`` code (unconfirmed in QCVN 102, hence data)."""

    __tablename__ = "urgency_code"

    urgency: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    edxml_priority: Mapped[int] = mapped_column(BigInteger)
