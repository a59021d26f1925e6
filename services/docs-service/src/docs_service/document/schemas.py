from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from docs_service.models import Direction, DocumentStatus
from kit_contracts import Confidentiality, Urgency


class Competence(StrEnum):
    """Thẩm quyền ký (NĐ 30 Phụ lục I): the words before the position title."""

    TM = "TM."  # thay mặt (collective)
    KT = "KT."  # ký thay
    Q = "Q."  # quyền
    TL = "TL."  # thừa lệnh
    TUQ = "TUQ."  # thừa ủy quyền


Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
UnitAbbreviation = Annotated[str, StringConstraints(pattern=r"^[\p{L}\p{N}]{1,20}$")]

SUBJECT_DOC = "trích yếu nội dung (Phụ lục VI Subject, at most 500 characters)"


class DocumentFields(BaseModel):
    """The Phụ lục VI metadata a drafter sets; lengths are the appendix's."""

    model_config = ConfigDict(extra="forbid")

    summary: Annotated[str, StringConstraints(max_length=10_000)] | None = Field(
        default=None, description="tóm tắt (Description)"
    )
    signer_competence: Competence | None = Field(default=None, description="TM. KT. Q. TL. TUQ.")
    signer_position: Annotated[Text, StringConstraints(max_length=100)] | None = Field(
        default=None, description="chức vụ người ký (SignerInfo/Position, 100)"
    )
    signer_name: Annotated[Text, StringConstraints(max_length=50)] | None = Field(
        default=None, description="họ tên người ký (SignerInfo/FullName, 50)"
    )
    place: Annotated[Text, StringConstraints(max_length=100)] | None = Field(
        default=None, description="địa danh, e.g. Ninh Bình"
    )
    due_date: date | None = Field(default=None, description="hạn xử lý (DueDate)")
    page_count: int | None = Field(default=None, ge=1, le=100_000, description="số trang (PageAmount)")
    copies: int | None = Field(default=None, ge=1, le=100_000, description="số lượng bản (IssuedAmount)")
    recipients_text: Annotated[str, StringConstraints(max_length=4000)] | None = Field(
        default=None, description="nơi nhận, as printed"
    )
    drafting_unit: UnitAbbreviation | None = Field(
        default=None,
        description="abbreviation of the drafting unit (VP, TTĐT); the notation of a Công văn needs it",
        examples=["VP"],
    )
    answers_to_id: UUID | None = Field(default=None, description="the document (of this agency) this answers")
    replaces_id: UUID | None = Field(
        default=None, description="an issued document of this agency that this one replaces once issued"
    )


class DocumentCreate(DocumentFields):
    type_code: str = Field(
        max_length=32, description="a code from GET /api/v1/documents/types", examples=["quyet_dinh"]
    )
    subject: Subject = Field(description=SUBJECT_DOC)
    urgency: Urgency = Urgency.NORMAL
    confidentiality: Confidentiality = Confidentiality.NORMAL


class DocumentUpdate(DocumentFields):
    """Only the fields sent change; ``null`` clears an optional one."""

    type_code: str | None = Field(default=None, max_length=32)
    subject: Subject | None = Field(default=None, description=SUBJECT_DOC)
    urgency: Urgency | None = None
    confidentiality: Confidentiality | None = None


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    register_id: UUID | None = Field(
        default=None,
        description="the outgoing register to number in; omit for this year's register of the document's series",
    )


class RegisterIncoming(BaseModel):
    model_config = ConfigDict(extra="forbid")

    register_id: UUID | None = Field(
        default=None, description="the incoming register; omit for this year's register of its series"
    )
    arrival_date: date | None = Field(default=None, description="ngày đến; omit for today (Vietnam time)")


class Flag(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description="revoke, update or replace: what the sender asked; never applied by itself")
    delivery_id: UUID
    exchange_id: str
    note: str | None
    at: datetime


class MissingFile(BaseModel):
    """A file the sender attached whose content is not in this installation's store (yet)."""

    file_id: UUID = Field(description="the sender's file id")
    sha256: str
    name: str
    content_type: str
    size: int
    main: bool


class Document(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    org_id: UUID = Field(description="the owning agency: the issuer, or the recipient for an incoming copy")
    direction: Direction
    status: DocumentStatus
    version: int = Field(description="how many recorded steps the document has had")
    type_code: str | None
    type_name: str = Field(description="tên loại")
    type_abbreviation: str | None
    subject: str
    summary: str | None
    urgency: Urgency
    confidentiality: Confidentiality
    signer_competence: str | None
    signer_position: str | None
    signer_name: str | None
    place: str | None
    document_date: date | None = Field(description="ngày tháng văn bản: the issue date")
    due_date: date | None
    page_count: int | None
    copies: int | None
    recipients_text: str | None
    drafting_unit: str | None
    answers_to_id: UUID | None
    replaces_id: UUID | None
    register_id: UUID | None
    number: str | None = Field(description="số, zero-padded under 10", examples=["05"])
    notation: str | None = Field(description="ký hiệu", examples=["QĐ-UBND"])
    code: str | None = Field(description="số, ký hiệu as printed", examples=["05/QĐ-UBND"])
    exchange_id: str | None = Field(description="DocumentId for exchange; verbatim for incoming copies")
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    approved_by: UUID | None
    signed_at: datetime | None = Field(description="the leader's personal signature step")
    signed_by: UUID | None
    sealed_at: datetime | None = Field(description="the clerk's agency-seal step")
    sealed_by: UUID | None
    issued_at: datetime | None
    issued_by: UUID | None
    recalled_at: datetime | None
    recall_reason: str | None
    replaced_by_id: UUID | None
    delivery_id: UUID | None
    sender_org_id: UUID | None
    sender_org_code: str | None
    sender_name: str | None
    arrival_register_id: UUID | None
    arrival_number: int | None = Field(description="số đến")
    arrival_date: date | None
    returned_reason: str | None
    flags: list[Flag] = Field(default_factory=list)
    missing_files: list[MissingFile] = Field(
        default_factory=list,
        description="an incoming copy's files whose content has not arrived (e.g. an external document): "
        "listed, not downloadable",
    )


class DocumentPage(BaseModel):
    items: list[Document]
    total: int
    limit: int
    offset: int


class Version(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    action: str = Field(
        examples=["created", "updated", "submitted", "approved", "signed", "sealed", "issued"]
    )
    actor_id: UUID | None
    actor_name: str | None
    at: datetime
    changes: dict[str, Any] = Field(description="field → {from, to}")


class DocumentType(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    abbreviation: str | None = Field(description="Phụ lục III; none for Công văn and Thư công")
    family: str = Field(description="administrative, or legal (a legal-normative type, a series of its own)")
    edxml_type: int | None
    edxml_type_detail: int | None
    active: bool


class UrgencyLevel(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    urgency: Urgency
    name: str
    edxml_priority: int


class DocumentTypeUpdate(BaseModel):
    """The edXML codes QCVN 102 leaves open, and whether the type is offered for new drafts."""

    model_config = ConfigDict(extra="forbid")

    edxml_type: int | None = Field(default=None, ge=0, le=99)
    edxml_type_detail: int | None = Field(default=None, ge=0, le=999)
    active: bool | None = None


class UrgencyLevelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edxml_priority: int = Field(ge=0, le=9, description="edXML OtherInfo/Priority (Number 1)")
