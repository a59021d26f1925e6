"""Incoming intake: a delivery routed to one of our agencies becomes its incoming copy, "arrived".

Idempotent per delivery: a redelivered ``DeliveryCreated`` finds the copy (or the flag) it made and
changes nothing. A recall, update or replacement (``business_type`` other than 0) is never applied
to what the clerk holds: it becomes a flag on the agency's copy for the clerk to act on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from docs_service.audit.service import audit_trail
from docs_service.blobstore import BlobStore
from docs_service.file.service import PDF
from docs_service.file.service import file as file_service
from docs_service.search.service import search as search_index
from docs_service.signature.context import Signing
from docs_service.signature.service import signature as signature_service
from kit_bus import Envelope, Handler, outbox
from kit_contracts import (
    BusinessType,
    DeliveryCreated,
    Event,
    IncomingReceived,
    NotificationRequested,
    Urgency,
)
from kit_core import Clock, get_logger, new_id

from .repository import (
    DocumentFlagRepository,
    DocumentRepository,
    DocumentTypeRepository,
    DocumentVersionRepository,
)
from .service import FLAG_KINDS

log = get_logger(__name__)
CRITICAL: frozenset[str] = frozenset({Urgency.FLASH.value, Urgency.FLASH_TIMED.value})


async def _create_copy(
    session: AsyncSession, store: BlobStore, signing: Signing, event: DeliveryCreated, at: datetime
) -> models.Document:
    summary = event.document
    known = await DocumentTypeRepository(session).by_name(summary.type_name, summary.type_abbreviation)
    doc = models.Document(
        id=new_id(),
        org_id=event.recipient_org_id,
        direction=models.Direction.INCOMING.value,
        status=models.DocumentStatus.ARRIVED.value,
        version=1,
        type_code=known.code if known else None,  # the sender's name and abbreviation are kept as sent
        type_name=summary.type_name,
        type_abbreviation=summary.type_abbreviation,
        subject=summary.subject,
        urgency=summary.urgency.value,
        confidentiality=summary.confidentiality.value,
        signer_competence=summary.signer_competence,
        signer_position=summary.signer_position or None,
        signer_name=summary.signer_name or None,
        place=summary.place or None,
        document_date=summary.issued_on,
        due_date=summary.due_date,
        page_count=summary.page_count,
        number_text=summary.number,
        notation=summary.notation,
        exchange_id=summary.exchange_id,  # verbatim: statuses, recall and replace key on it
        created_at=at,
        updated_at=at,
        delivery_id=event.delivery_id,
        sender_org_id=event.sender_org_id,
        sender_org_code=event.sender_org_code,
        sender_name=summary.org_name or event.sender_org_code,
        source_document_id=summary.document_id,
        received_summary=summary.model_dump(mode="json"),
    )
    await DocumentRepository(session).add(doc)
    # The sender's files, when this installation stored them (a delivery between two of its agencies):
    # the copy's own rows on the same contents. The others are listed as missing on the copy.
    attached, missing = await file_service.adopt(session, store, doc, summary.files, at=at)
    doc.missing_files = [ref.model_dump(mode="json") for ref in missing] or None
    changes: dict[str, object] = {
        "status": {"from": None, "to": doc.status},
        "delivery_id": str(event.delivery_id),
    }
    if attached:
        changes["files"] = {
            "from": None,
            "to": [{"id": str(f.id), "name": f.name, "sha256": f.sha256} for f in attached],
        }
    if missing:
        changes["missing_files"] = [ref.sha256 for ref in missing]
    await DocumentVersionRepository(session).add(
        models.DocumentVersion(
            id=new_id(),
            document_id=doc.id,
            version=1,
            action="received",
            actor_id=None,
            actor_name=None,
            at=at,
            changes=changes,
        )
    )
    await search_index.refresh(session, doc, at=at)
    for f in attached:  # the signatures the copy carries, reported like any other (never a reason to refuse)
        if f.content_type == PDF:
            await _validate(session, store, signing, doc, f, at)
    await audit_trail.record(
        session,
        doc,
        "document.received",
        at=at,
        actor_id=None,
        actor_name=None,
        detail={
            "version": 1,
            "delivery_id": event.delivery_id,
            "exchange_id": doc.exchange_id,
            "files": [{"file_id": f.id, "sha256": f.sha256} for f in attached],
            "missing_files": [ref.sha256 for ref in missing],
        },
    )
    return doc


async def _validate(
    session: AsyncSession,
    store: BlobStore,
    signing: Signing,
    doc: models.Document,
    file: models.DocumentFile,
    at: datetime,
) -> None:
    """Validate the signatures of a received PDF. The validator reports what it finds; anything it
    cannot do (an unreadable trust store, a dev CA that fails to load) is logged, and intake goes on:
    ``POST …/signatures/validate`` does it again."""
    try:
        reports = await signature_service.validate_file(session, store, signing, doc, file, at=at)
    except SQLAlchemyError:
        raise
    except Exception as exc:
        log.warning(
            "intake.validation_failed", document_id=str(doc.id), file_id=str(file.id), error=repr(exc)
        )
        return
    log.info(
        "intake.signatures",
        document_id=str(doc.id),
        file_id=str(file.id),
        found=len(reports),
        valid=sum(r.bottom_line for r in reports),
    )


def make_handlers(clock: Clock, *, store: BlobStore, signing: Signing) -> dict[type[Event], Handler]:
    async def on_delivery_created(session: AsyncSession, event: DeliveryCreated, envelope: Envelope) -> None:
        if event.recipient_external:
            return  # egov-gateway takes it to the national axis
        if await AgencyRepository(session).get(event.recipient_org_id) is None:
            log.warning(
                "intake.unknown_recipient",
                delivery_id=str(event.delivery_id),
                recipient_org_id=str(event.recipient_org_id),
            )
            return
        documents, flags = DocumentRepository(session), DocumentFlagRepository(session)
        if await documents.by_delivery(event.delivery_id) or await flags.by_delivery(event.delivery_id):
            return  # seen already: the copy and its messages exist
        now = clock.now()
        summary = event.document
        doc: models.Document | None = None
        created = False
        if event.business_type != BusinessType.NEW:
            doc = await documents.incoming_by_exchange_id(event.recipient_org_id, summary.exchange_id)
        if doc is None:
            doc = await _create_copy(session, store, signing, event, now)
            created = True
        if event.business_type != BusinessType.NEW:
            await flags.add(
                models.DocumentFlag(
                    id=new_id(),
                    document_id=doc.id,
                    delivery_id=event.delivery_id,
                    kind=FLAG_KINDS[event.business_type.value],
                    note=event.note,
                    exchange_id=summary.exchange_id,
                    at=now,
                )
            )
        data = {
            "sender_name": summary.org_name or event.sender_org_code,
            "number": summary.code,
            "subject": summary.subject,
            "urgency": summary.urgency.value,
            "document_id": str(doc.id),
        }
        if created:
            await outbox.add(
                session,
                IncomingReceived(
                    document_id=doc.id,
                    org_id=doc.org_id,
                    occurred_at=now,
                    delivery_id=event.delivery_id,
                    exchange_id=summary.exchange_id,
                ),
            )
        kind = "document.arrived" if created else "document.flagged"
        if event.business_type != BusinessType.NEW:
            data["flag"] = FLAG_KINDS[event.business_type.value]
        await outbox.add(
            session,
            NotificationRequested(
                request_id=new_id(),
                kind=kind,
                org_id=event.recipient_org_id,
                org_roles=["clerk"],
                data=data,
                critical=summary.urgency.value in CRITICAL,
                idempotency_key=f"{kind}:{event.delivery_id}",
            ),
        )
        log.info("intake.received", delivery_id=str(event.delivery_id), document_id=str(doc.id), kind=kind)

    return {DeliveryCreated: on_delivery_created}
