"""Typed, immutable models of QCVN 102:2016 edXML packages (DOMAIN.md §1).

Python names are snake_case; every field's alias is its element name verbatim, including the standard's
spellings (``Bussiness``, ``TyperNotation``, ``Organ*``), so validation errors name the element and
``model_validate`` accepts either form. Element ↔ field names that differ:

=====================  ==========================================
``From`` / ``To``      ``sender`` / ``recipients``
``TraceHeaderList``    ``DocumentPackage.trace_headers`` + ``bussiness``
``edXMLManifest`` +    ``DocumentPackage.attachments``: one ``Attachment`` per manifest
``AttachmentEncoded``  ``Reference`` and ``Attachment`` pair, joined on ``ContentId``
=====================  ==========================================

Rules that come from DOMAIN.md rather than from the (unread) text of QCVN 102:

* Lengths are the NĐ 30/2020 Phụ lục VI lengths of the same-named fields (§1.3, an inference).
* Code values whose meaning is UNCONFIRMED (``Priority``, ``DocumentType/Type``, ``SteeringType``,
  ``StatusCode``, ``ReceiverType``) are plain integers or strings, never enums; the ``SEED_*`` tables
  below are starting data for a configurable table, not a whitelist. ``BussinessDocType`` (0 to 3) is
  CONFIRMED and is an enum.
* ``DocumentId`` is stored verbatim (§1.5); :func:`make_document_id` builds the OBSERVED form.
* Timestamps are aware datetimes normalised to Vietnam time (UTC+7, no DST) and whole seconds, because
  the wire format ``yyyy/MM/dd HH:mm:ss`` carries neither an offset nor fractions.
* Empty strings become ``None``: the wire writes an absent optional value as an empty element.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum
from types import MappingProxyType
from typing import Annotated, Final, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

NAMESPACE: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
VIETNAM_TZ: Final = timezone(timedelta(hours=7), "ICT")

# Seed data for configurable code tables (DOMAIN.md §1.4, §1.7). Unknown values are accepted.
SEED_STATUS_CODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "01": "Đã đến",
        "02": "Từ chối tiếp nhận",
        "03": "Đã tiếp nhận",
        "04": "Phân công",
        "05": "Đang xử lý",
        "06": "Hoàn thành",
        "13": "Lấy lại",  # UNCONFIRMED: one provincial integration only
        "15": "Đồng ý thu hồi",
        "16": "Từ chối thu hồi",
    }
)
SEED_PRIORITIES: Final[Mapping[int, str]] = MappingProxyType(  # UNCONFIRMED: a single sender form
    {0: "Thường", 1: "Khẩn", 2: "Thượng khẩn", 3: "Hỏa tốc", 4: "Hỏa tốc hẹn giờ"}
)
SEED_STEERING_TYPES: Final[Mapping[int, str]] = MappingProxyType(
    {0: "Không chỉ đạo", 1: "Chỉ đạo", 2: "Báo cáo chỉ đạo"}
)


class BussinessDocType(IntEnum):
    """``Bussiness/BussinessDocType`` (CONFIRMED, DOMAIN.md §1.6)."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


def _strip_cid(value: object) -> object:
    if isinstance(value, str) and value[:4].lower() == "cid:":
        return value[4:]
    return value


def _to_vietnam_time(value: datetime) -> datetime:
    return value.astimezone(VIETNAM_TZ).replace(microsecond=0)


_Blank = BeforeValidator(_blank_to_none)
OptionalText = Annotated[str | None, _Blank]
OrganId = Annotated[str, StringConstraints(min_length=1, max_length=13, pattern=r"^\S+$")]
RequiredText = Annotated[str, StringConstraints(min_length=1)]
ContentId = Annotated[str, BeforeValidator(_strip_cid), StringConstraints(min_length=1, pattern=r"^\S+$")]
StatusCode = Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
Timestamp = Annotated[AwareDatetime, AfterValidator(_to_vietnam_time)]
CodeValue = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)


class Organization(_Model):
    """``From`` or one ``To`` (MessageHeader 1.1 / 1.2)."""

    organ_id: OrganId = Field(alias="OrganId")
    organization_in_charge: OptionalText = Field(default=None, alias="OrganizationInCharge")
    organ_name: Annotated[Annotated[str, StringConstraints(max_length=200)] | None, _Blank] = Field(
        default=None, alias="OrganName"
    )
    organ_add: OptionalText = Field(default=None, alias="OrganAdd")
    email: OptionalText = Field(default=None, alias="Email")
    telephone: OptionalText = Field(default=None, alias="Telephone")
    fax: OptionalText = Field(default=None, alias="Fax")
    website: OptionalText = Field(default=None, alias="Website")


class Code(_Model):
    """``Code`` (1.3): "Số: 7816/VPCP-TTĐT"."""

    code_number: Annotated[str, StringConstraints(min_length=1, max_length=11)] = Field(alias="CodeNumber")
    code_notation: Annotated[Annotated[str, StringConstraints(max_length=30)] | None, _Blank] = Field(
        default=None, alias="CodeNotation"
    )


class PromulgationInfo(_Model):
    place: OptionalText = Field(default=None, alias="Place")
    promulgation_date: date = Field(alias="PromulgationDate")


class DocumentType(_Model):
    """``DocumentType`` (1.5). ``Type``/``TypeDetail`` codes are disputed, so ``TypeName`` is always sent."""

    type: CodeValue | None = Field(default=None, alias="Type")
    type_detail: CodeValue | None = Field(default=None, alias="TypeDetail")
    type_name: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(alias="TypeName")


class SignerInfo(_Model):
    competence: OptionalText = Field(default=None, alias="Competence")
    position: Annotated[Annotated[str, StringConstraints(max_length=100)] | None, _Blank] = Field(
        default=None, alias="Position"
    )
    full_name: Annotated[Annotated[str, StringConstraints(max_length=50)] | None, _Blank] = Field(
        default=None, alias="FullName"
    )


class OtherInfo(_Model):
    priority: Annotated[int, Field(ge=0, le=9)] | None = Field(default=None, alias="Priority")
    sphere_of_promulgation: OptionalText = Field(default=None, alias="SphereOfPromulgation")
    typer_notation: OptionalText = Field(default=None, alias="TyperNotation")
    promulgation_amount: CodeValue | None = Field(default=None, alias="PromulgationAmount")
    page_amount: CodeValue | None = Field(default=None, alias="PageAmount")
    direction: bool | None = Field(default=None, alias="Direction")
    appendixes: tuple[RequiredText, ...] = Field(default=(), alias="Appendixes")


class ResponseFor(_Model):
    """The document being answered (MessageHeader 1.12) or reported on (status packages)."""

    organ_id: OrganId = Field(alias="OrganId")
    code: RequiredText = Field(alias="Code", examples=["7816/VPCP-TTĐT"])
    promulgation_date: date = Field(alias="PromulgationDate")
    document_id: RequiredText = Field(alias="DocumentId")


class MessageHeader(_Model):
    """``MessageHeader``: the 14 components 1.1 to 1.14 of DOMAIN.md §1.3."""

    sender: Organization = Field(alias="From")
    recipients: tuple[Organization, ...] = Field(alias="To", min_length=1)
    code: Code = Field(alias="Code")
    promulgation_info: PromulgationInfo = Field(alias="PromulgationInfo")
    document_type: DocumentType = Field(alias="DocumentType")
    subject: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(alias="Subject")
    content: OptionalText = Field(default=None, alias="Content")
    signer_info: SignerInfo | None = Field(default=None, alias="SignerInfo")
    due_date: date | None = Field(default=None, alias="DueDate")
    to_places: tuple[RequiredText, ...] = Field(default=(), alias="ToPlaces")
    other_info: OtherInfo | None = Field(default=None, alias="OtherInfo")
    response_for: tuple[ResponseFor, ...] = Field(default=(), alias="ResponseFor")
    steering_type: CodeValue | None = Field(default=None, alias="SteeringType")
    document_id: RequiredText = Field(alias="DocumentId")


class TraceHeader(_Model):
    organ_id: OrganId = Field(alias="OrganId")
    timestamp: Timestamp = Field(alias="Timestamp")


class StaffInfo(_Model):
    department: OptionalText = Field(default=None, alias="Department")
    staff: OptionalText = Field(default=None, alias="Staff")
    email: OptionalText = Field(default=None, alias="Email")
    mobile: OptionalText = Field(default=None, alias="Mobile")


class Receiver(_Model):
    receiver_type: Annotated[int, Field(ge=0, le=1)] = Field(alias="ReceiverType")
    organ_id: OrganId = Field(alias="OrganId")


class BussinessDocumentInfo(_Model):
    """What an update (``BussinessDocType`` 2) changes."""

    document_info: bool = Field(alias="DocumentInfo")
    document_receiver: bool = Field(alias="DocumentReceiver")
    receivers: tuple[Receiver, ...] = Field(default=(), alias="ReceiverList")


class ReplacementInfo(_Model):
    """One document replaced by a replacement (``BussinessDocType`` 3), and where it went."""

    document_id: RequiredText = Field(alias="DocumentId")
    organ_ids: tuple[OrganId, ...] = Field(default=(), alias="OrganIdList")


class Bussiness(_Model):
    """``TraceHeaderList/Bussiness``. Updates carry ``BussinessDocumentInfo``, replacements a
    ``ReplacementInfoList``; the other types carry neither."""

    bussiness_doc_type: BussinessDocType = Field(alias="BussinessDocType")
    bussiness_doc_reason: OptionalText = Field(default=None, alias="BussinessDocReason")
    document_id: OptionalText = Field(default=None, alias="DocumentId")
    paper: bool | None = Field(default=None, alias="Paper")
    staff_info: StaffInfo | None = Field(default=None, alias="StaffInfo")
    bussiness_document_info: BussinessDocumentInfo | None = Field(default=None, alias="BussinessDocumentInfo")
    replacement_info_list: tuple[ReplacementInfo, ...] = Field(default=(), alias="ReplacementInfoList")

    @model_validator(mode="after")
    def _extra_blocks_match_the_type(self) -> Self:
        kind = self.bussiness_doc_type
        if kind is BussinessDocType.UPDATE and self.bussiness_document_info is None:
            raise ValueError("BussinessDocumentInfo is required when BussinessDocType is 2 (update)")
        if kind is not BussinessDocType.UPDATE and self.bussiness_document_info is not None:
            raise ValueError(
                f"BussinessDocumentInfo is only allowed when BussinessDocType is 2, not {kind.value}"
            )
        if kind is BussinessDocType.REPLACE and not self.replacement_info_list:
            raise ValueError(
                "ReplacementInfoList needs a ReplacementInfo when BussinessDocType is 3 (replace)"
            )
        if kind is not BussinessDocType.REPLACE and self.replacement_info_list:
            raise ValueError(
                f"ReplacementInfoList is only allowed when BussinessDocType is 3, not {kind.value}"
            )
        return self


class Attachment(_Model):
    """A file: its manifest ``Reference`` and its ``AttachmentEncoded/Attachment`` together.

    ``content_id`` is stored without the ``cid:`` prefix; either form is accepted.
    """

    content_id: ContentId = Field(alias="ContentId")
    name: RequiredText = Field(alias="AttachmentName")
    content_type: RequiredText = Field(alias="ContentType")
    description: OptionalText = Field(default=None, alias="Description")
    content: bytes = Field(alias="ContentTransferEncoded", repr=False)


class DocumentPackage(_Model):
    """A document package: new, revoke, update or replace, per ``bussiness.bussiness_doc_type``."""

    message_header: MessageHeader = Field(alias="MessageHeader")
    trace_headers: tuple[TraceHeader, ...] = Field(alias="TraceHeader", min_length=1)
    bussiness: Bussiness = Field(alias="Bussiness")
    attachments: tuple[Attachment, ...] = Field(default=(), alias="Attachment")

    @model_validator(mode="after")
    def _content_ids_are_unique(self) -> Self:
        seen: set[str] = set()
        for attachment in self.attachments:
            if attachment.content_id in seen:
                raise ValueError(f"two attachments share ContentId cid:{attachment.content_id}")
            seen.add(attachment.content_id)
        return self

    @property
    def document_id(self) -> str:
        return self.message_header.document_id


class StatusPackage(_Model):
    """A business status package (``Status``, DOMAIN.md §1.7): 01 to 06, 13, 15, 16..., never the axis's
    transport status (processing / done / fail, §1.8)."""

    response_for: ResponseFor = Field(alias="ResponseFor")
    sender: Organization = Field(alias="From")
    status_code: StatusCode = Field(alias="StatusCode")
    description: OptionalText = Field(default=None, alias="Description")
    timestamp: Timestamp = Field(alias="Timestamp")
    staff_info: StaffInfo | None = Field(default=None, alias="StaffInfo")


def make_document_id(
    organ_id: str, promulgation_date: date, code_number: str, code_notation: str | None
) -> str:
    """The OBSERVED ``DocumentId`` form ``{OrganId},{yyyy/MM/dd},{number}/{notation}`` (DOMAIN.md §1.5).

    Whether the middle part is the full date or only the year is an open question; received values are
    stored verbatim, never rebuilt with this.
    """
    code = f"{code_number}/{code_notation}" if code_notation else code_number
    return f"{organ_id},{promulgation_date:%Y/%m/%d},{code}"


_ORGAN_ID = re.compile(r"^(?:(\d{3})\.)?(?:(\d{2})\.)?(\d{2})\.([A-Z]\d{2})$")


def canonical_organ_id(raw: str) -> str:
    """The zero-filled four-group QCVN 102 code: ``28.22.H17`` → ``000.28.22.H17`` (DOMAIN.md §2.1).

    The canonical form of short codes is presumed (UNCONFIRMED); keep the raw value beside it.
    Raises ``ValueError`` for anything that is not a QCVN 102 code.
    """
    match = _ORGAN_ID.match(raw.strip())
    if match is None:
        raise ValueError(f"{raw!r} is not a QCVN 102 agency code (V1V2V3.Z1Z2.Y1Y2.MX1X2)")
    level4, level3, level2, level1 = match.groups()
    return f"{level4 or '000'}.{level3 or '00'}.{level2}.{level1}"
