"""Events published by docs-service about documents, and the document summary other services carry.

An outgoing document goes draft → submitted → approved → signed → issued, then may be recalled or
replaced; an incoming copy is received (from a delivery), then registered by a clerk or returned.
Each step is one event on ``docs.document.v1``, keyed by the document id.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from .base import Event


class Urgency(StrEnum):
    """Độ khẩn (NĐ 30/2020 Phụ lục I, plus the software extra "Hỏa tốc hẹn giờ")."""

    NORMAL = "thuong"  # Thường
    URGENT = "khan"  # Khẩn
    VERY_URGENT = "thuong_khan"  # Thượng khẩn
    FLASH = "hoa_toc"  # Hỏa tốc
    FLASH_TIMED = "hoa_toc_hen_gio"  # Hỏa tốc hẹn giờ


class Confidentiality(StrEnum):
    """Độ mật. Anything but NORMAL is never exchanged electronically (QĐ 28/2018)."""

    NORMAL = "thuong"  # Thường
    SECRET = "mat"  # Mật  # noqa: S105 - a classification, not a password
    TOP_SECRET = "toi_mat"  # Tối mật  # noqa: S105
    ABSOLUTE_SECRET = "tuyet_mat"  # Tuyệt mật  # noqa: S105


class FileRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    file_id: UUID
    sha256: str = Field(min_length=64, max_length=64, description="hex digest of the content")
    name: str = Field(max_length=255)
    content_type: str = Field(max_length=127)
    size: int = Field(ge=0)
    main: bool = Field(default=False, description="the signed main document, not an attachment")


class DocumentSummary(BaseModel):
    """What a recipient needs to know of an issued document: the Phụ lục VI metadata that travels."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    document_id: UUID = Field(description="the issuer's document id in docs-service")
    exchange_id: str = Field(
        max_length=100,
        description="DocumentId for exchange: {OrganId},{yyyy/MM/dd},{number}/{notation}, verbatim",
        examples=["000.00.01.H42,2026/11/27,12/QĐ-UBND"],
    )
    org_id: UUID | None = Field(default=None, description="the issuing agency, when it is in the directory")
    org_code: str = Field(max_length=13, description="the issuing agency's QCVN 102 code")
    org_name: str = Field(default="", max_length=255)
    number: str = Field(max_length=11, description="zero-padded under 10, e.g. 05")
    notation: str = Field(max_length=30, description="ký hiệu, e.g. QĐ-UBND or UBND-VP")
    type_name: str = Field(max_length=100, description="tên loại, e.g. Quyết định, Công văn")
    type_abbreviation: str | None = Field(
        default=None, max_length=10, description="QĐ, QyĐ, CTr…; none for Công văn"
    )
    subject: str = Field(max_length=500, description="trích yếu")
    urgency: Urgency = Urgency.NORMAL
    confidentiality: Confidentiality = Confidentiality.NORMAL
    issued_on: date
    place: str = Field(default="", max_length=100)
    signer_name: str = Field(default="", max_length=100)
    signer_position: str = Field(default="", max_length=100)
    signer_competence: str | None = Field(default=None, max_length=5, description="TM. KT. Q. TL. TUQ.")
    due_date: date | None = None
    page_count: int | None = Field(default=None, ge=0)
    files: list[FileRef] = Field(default_factory=list)

    @property
    def code(self) -> str:
        """Số, ký hiệu as printed: 12/QĐ-UBND."""
        return f"{self.number}/{self.notation}"


class DocumentEvent(Event):
    topic: ClassVar[str] = topics.DOCS_DOCUMENT

    document_id: UUID
    org_id: UUID = Field(description="the agency that owns this document (issuer, or recipient for incoming)")
    actor_id: UUID | None = Field(default=None, description="the user who acted; none for the system")
    occurred_at: datetime

    def subject(self) -> str:
        return str(self.document_id)


class DocumentCreated(DocumentEvent):
    event_type: ClassVar[str] = "docs.document.created.v1"

    direction: str = Field(pattern="^(outgoing|incoming)$")
    type_name: str = Field(max_length=100)
    subject_text: str = Field(max_length=500, description="trích yếu")


class DocumentSubmitted(DocumentEvent):
    event_type: ClassVar[str] = "docs.document.submitted.v1"


class DocumentApproved(DocumentEvent):
    event_type: ClassVar[str] = "docs.document.approved.v1"


class DocumentSigned(DocumentEvent):
    event_type: ClassVar[str] = "docs.document.signed.v1"

    signature: str = Field(pattern="^(personal|agency)$", description="the leader's, or the agency seal")
    signer_name: str = Field(default="", max_length=100)


class DocumentIssued(DocumentEvent):
    """Numbered, registered and sealed: immutable from now on, and ready to be dispatched."""

    event_type: ClassVar[str] = "docs.document.issued.v1"

    document: DocumentSummary


class DocumentRecalled(DocumentEvent):
    event_type: ClassVar[str] = "docs.document.recalled.v1"

    exchange_id: str = Field(max_length=100)
    reason: str = Field(max_length=1000)


class DocumentReplaced(DocumentEvent):
    event_type: ClassVar[str] = "docs.document.replaced.v1"

    exchange_id: str = Field(max_length=100)
    replaced_by_id: UUID = Field(description="the new document that replaces this one")


class IncomingReceived(DocumentEvent):
    """An incoming copy was created from a delivery; the recipient side has it (status 01)."""

    event_type: ClassVar[str] = "docs.incoming.received.v1"

    delivery_id: UUID
    exchange_id: str = Field(max_length=100)


class IncomingRegistered(DocumentEvent):
    """A clerk registered the incoming copy in the incoming register (status 03)."""

    event_type: ClassVar[str] = "docs.incoming.registered.v1"

    delivery_id: UUID
    arrival_number: int = Field(ge=1, description="số đến, continuous through the year")
    arrival_date: date


class IncomingReturned(DocumentEvent):
    """A clerk refused the incoming copy (status 02); the reason is mandatory."""

    event_type: ClassVar[str] = "docs.incoming.returned.v1"

    delivery_id: UUID
    reason: str = Field(min_length=1, max_length=1000)
