"""DocumentSummary ↔ edXML document package: what travels to and from the national axis."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Final
from uuid import UUID

from egov_gateway.exchange import (
    Attachment,
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MalformedPackage,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ReplacementInfo,
    SignerInfo,
    TraceHeader,
    canonical_organ_id,
)
from kit_contracts import BusinessType, DocumentSummary, FileRef, Urgency

# OtherInfo/Priority (UNCONFIRMED against QCVN 102; one sender form, DOMAIN.md §1.4).
PRIORITY: Final = {
    Urgency.NORMAL: 0,
    Urgency.URGENT: 1,
    Urgency.VERY_URGENT: 2,
    Urgency.FLASH: 3,
    Urgency.FLASH_TIMED: 4,
}
URGENCY: Final = {value: urgency for urgency, value in PRIORITY.items()}
REASONS: Final = {
    BussinessDocType.NEW: "Văn bản điện tử mới",
    BussinessDocType.REVOKE: "Thu hồi văn bản điện tử",
    BussinessDocType.UPDATE: "Cập nhật văn bản điện tử",
    BussinessDocType.REPLACE: "Thay thế văn bản điện tử",
}
COMPETENCES: Final = ("TM.", "KT.", "Q.", "TL.", "TUQ.")
# Ids for documents and files that exist only in another system, stable across redeliveries.
EXTERNAL_DOCUMENTS: Final = uuid.UUID("5b0f3c2e-8d7a-4d0e-9a8c-6e1f2b3c4d5e")


def document_package(
    summary: DocumentSummary,
    *,
    business_type: BusinessType,
    sender_code: str,
    recipient_code: str,
    recipient_name: str | None,
    note: str | None,
    at: datetime,
    contents: Mapping[str, bytes],
) -> DocumentPackage:
    """The edXML package of one delivery, each file with its bytes (``contents`` by SHA-256, fetched
    from docs-service by the caller; the same content twice travels once)."""
    kind = BussinessDocType(int(business_type.value))
    return DocumentPackage(
        message_header=MessageHeader(
            sender=Organization(organ_id=sender_code, organ_name=summary.org_name or None),
            recipients=(Organization(organ_id=recipient_code, organ_name=recipient_name),),
            code=Code(code_number=summary.number, code_notation=summary.notation or None),
            promulgation_info=PromulgationInfo(
                place=summary.place or None, promulgation_date=summary.issued_on
            ),
            document_type=DocumentType(type_name=summary.type_name),
            subject=summary.subject,
            signer_info=SignerInfo(
                competence=summary.signer_competence,
                position=summary.signer_position or None,
                full_name=summary.signer_name[:50] or None,
            ),
            due_date=summary.due_date,
            other_info=OtherInfo(priority=PRIORITY[summary.urgency], page_amount=summary.page_count),
            document_id=summary.exchange_id,
        ),
        trace_headers=(TraceHeader(organ_id=sender_code, timestamp=at),),
        bussiness=Bussiness(
            bussiness_doc_type=kind,
            bussiness_doc_reason=note or REASONS[kind],
            document_id=None if kind is BussinessDocType.NEW else summary.exchange_id,
            paper=False,
            bussiness_document_info=BussinessDocumentInfo(document_info=True, document_receiver=False)
            if kind is BussinessDocType.UPDATE
            else None,
            replacement_info_list=(
                ReplacementInfo(document_id=summary.exchange_id, organ_ids=(recipient_code,)),
            )
            if kind is BussinessDocType.REPLACE
            else (),
        ),
        attachments=tuple(
            _attachment(index, file, contents) for index, file in enumerate(unique_files(summary), start=1)
        ),
    )


def unique_files(summary: DocumentSummary) -> list[FileRef]:
    """The document's files, each content once (the main file first, as docs lists them)."""
    seen: set[str] = set()
    files = []
    for file in summary.files:
        if file.sha256.lower() not in seen:
            seen.add(file.sha256.lower())
            files.append(file)
    return files


def _attachment(index: int, file: FileRef, contents: Mapping[str, bytes]) -> Attachment:
    content = contents.get(file.sha256.lower())
    if content is None:
        raise MalformedPackage(f"the content of file {file.name!r} ({file.sha256}) was not fetched")
    return Attachment(
        content_id=str(index),
        name=file.name,
        content_type=file.content_type,
        description="Văn bản chính" if file.main else None,
        content=content,
    )


def _competence(value: str | None) -> str | None:
    if not value:
        return None
    first = value.split()[0].upper()
    return first if first in COMPETENCES else None


def summary_of(package: DocumentPackage, *, package_id: UUID, sender_org_id: UUID | None) -> DocumentSummary:
    """What our side needs to know of a received document package (exchange ids verbatim).

    For a revoke, update or replace, ``exchange_id`` is the DocumentId it acts on (``Bussiness/
    DocumentId``), so the recipient can find the document it already holds.
    """
    header = package.message_header
    kind = package.bussiness.bussiness_doc_type
    exchange_id = header.document_id
    if kind is not BussinessDocType.NEW and package.bussiness.document_id:
        exchange_id = package.bussiness.document_id
    signer = header.signer_info
    other = header.other_info
    priority = other.priority if other is not None else None
    return DocumentSummary(
        document_id=uuid.uuid5(EXTERNAL_DOCUMENTS, exchange_id),
        exchange_id=exchange_id[:100],
        org_id=sender_org_id,
        org_code=canonical_organ_id(header.sender.organ_id),
        org_name=(header.sender.organ_name or "")[:255],
        number=header.code.code_number,
        notation=header.code.code_notation or "",
        type_name=header.document_type.type_name,
        subject=header.subject,
        urgency=URGENCY.get(priority if priority is not None else 0, Urgency.NORMAL),
        issued_on=header.promulgation_info.promulgation_date,
        place=(header.promulgation_info.place or "")[:100],
        signer_name=((signer.full_name if signer else None) or "")[:100],
        signer_position=((signer.position if signer else None) or "")[:100],
        signer_competence=_competence(signer.competence if signer else None),
        due_date=header.due_date,
        page_count=other.page_amount if other is not None else None,
        files=[
            FileRef(
                file_id=uuid.uuid5(package_id, attachment.content_id),  # service.file_id
                sha256=hashlib.sha256(attachment.content).hexdigest(),
                name=attachment.name[:255],
                content_type=attachment.content_type[:127],
                size=len(attachment.content),
                main=index == 0,
            )
            for index, attachment in enumerate(package.attachments)
        ],
    )
