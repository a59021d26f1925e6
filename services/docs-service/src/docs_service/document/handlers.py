"""Incoming intake: a delivery routed to one of our agencies becomes its incoming copy, "arrived".

Idempotent per delivery: a redelivered ``DeliveryCreated`` finds the copy (or the flag) it made and
changes nothing. A recall, update or replacement (``business_type`` other than 0) is never applied
to what the clerk holds: it becomes a flag on the agency's copy for the clerk to act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from docs_service.audit import service as audit
from docs_service.audit.service import audit_trail
from docs_service.blobstore import BlobStore
from docs_service.file.repository import DocumentFileRepository
from docs_service.file.service import file as file_service
from docs_service.search.service import search as search_index
from docs_service.signature.context import Signing
from docs_service.signature.service import signature as signature_service
from kit_bus import Batched, Envelope, Handler, outbox
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


def _copy(event: DeliveryCreated, known: models.DocumentType | None, at: datetime) -> models.Document:
    summary = event.document
    return models.Document(
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


@dataclass
class _Arrival:
    """One delivery of the batch and what intake made of it."""

    event: DeliveryCreated
    doc: models.Document
    created: bool


class _Intake:
    """One batch of ``DeliveryCreated``: every lookup done once for the batch, every row written in
    one statement per table, the audit chain's head locked once. A broadcast to the whole province
    arrives as a few such batches."""

    def __init__(self, session: AsyncSession, store: BlobStore, signing: Signing, at: datetime) -> None:
        self.session, self.store, self.signing, self.at = session, store, signing, at
        self.documents = DocumentRepository(session)
        self.types: dict[tuple[str, str | None], models.DocumentType | None] = {}
        self.created: dict[tuple[UUID, str], models.Document] = {}  # (agency, exchange id) → new copy
        self.arrivals: list[_Arrival] = []
        self.flags: list[models.DocumentFlag] = []

    async def _type(self, name: str, abbreviation: str | None) -> models.DocumentType | None:
        key = (name, abbreviation)
        if key not in self.types:
            self.types[key] = await DocumentTypeRepository(self.session).by_name(name, abbreviation)
        return self.types[key]

    async def take(self, event: DeliveryCreated) -> None:
        summary = event.document
        doc: models.Document | None = None
        if event.business_type != BusinessType.NEW:
            doc = self.created.get((event.recipient_org_id, summary.exchange_id))
            if doc is None:
                doc = await self.documents.incoming_by_exchange_id(
                    event.recipient_org_id, summary.exchange_id
                )
        created = doc is None
        if doc is None:
            doc = _copy(event, await self._type(summary.type_name, summary.type_abbreviation), self.at)
            self.created[(doc.org_id, summary.exchange_id)] = doc  # written by finish()
        if event.business_type != BusinessType.NEW:
            self.flags.append(
                models.DocumentFlag(
                    id=new_id(),
                    document_id=doc.id,
                    delivery_id=event.delivery_id,
                    kind=FLAG_KINDS[event.business_type.value],
                    note=event.note,
                    exchange_id=summary.exchange_id,
                    at=self.at,
                )
            )
        self.arrivals.append(_Arrival(event, doc, created))

    async def finish(self) -> None:
        session, at = self.session, self.at
        new = [a for a in self.arrivals if a.created]
        # The sender's files, when this installation stored them (a delivery between two of its
        # agencies): the copy's own rows on the same contents. The others are listed as missing.
        adopted = await file_service.adopt(
            session, self.store, [(a.doc, a.event.document.files) for a in new], at=at
        )
        for a in new:
            missing = adopted[a.doc.id][1]
            a.doc.missing_files = [ref.model_dump(mode="json") for ref in missing] or None
        await self.documents.add_all([a.doc for a in new])  # before the rows that refer to them
        await DocumentFileRepository(session).add_all([f for a in new for f in adopted[a.doc.id][0]])
        versions: list[models.DocumentVersion] = []
        entries: list[audit.Entry] = []
        for a in new:
            attached, missing = adopted[a.doc.id]
            changes: dict[str, object] = {
                "status": {"from": None, "to": a.doc.status},
                "delivery_id": str(a.event.delivery_id),
            }
            if attached:
                changes["files"] = {
                    "from": None,
                    "to": [{"id": str(f.id), "name": f.name, "sha256": f.sha256} for f in attached],
                }
            if missing:
                changes["missing_files"] = [ref.sha256 for ref in missing]
            versions.append(
                models.DocumentVersion(
                    id=new_id(),
                    document_id=a.doc.id,
                    version=1,
                    action="received",
                    actor_id=None,
                    actor_name=None,
                    at=at,
                    changes=changes,
                )
            )
            entries.append(
                audit.Entry(
                    a.doc,
                    "document.received",
                    {
                        "version": 1,
                        "delivery_id": a.event.delivery_id,
                        "exchange_id": a.doc.exchange_id,
                        "files": [{"file_id": f.id, "sha256": f.sha256} for f in attached],
                        "missing_files": [ref.sha256 for ref in missing],
                    },
                )
            )
        await DocumentVersionRepository(session).add_all(versions)
        await DocumentFlagRepository(session).add_all(self.flags)
        await search_index.refresh_many(session, [a.doc for a in new], at=at)
        # The signatures the copies carry, reported like any other (never a reason to refuse).
        checked = await signature_service.validate_received(
            session,
            self.store,
            self.signing,
            [(a.doc, f) for a in new for f in adopted[a.doc.id][0]],
            at=at,
        )
        for digest, (found, valid) in checked.items():
            log.info("intake.signatures", sha256=digest, found=found, valid=valid)
        await audit_trail.record_many(session, entries, at=at)
        await outbox.add_many(
            session,
            [
                IncomingReceived(
                    document_id=a.doc.id,
                    org_id=a.doc.org_id,
                    occurred_at=at,
                    delivery_id=a.event.delivery_id,
                    exchange_id=a.event.document.exchange_id,
                )
                for a in new
            ],
        )
        await outbox.add_many(
            session,
            [
                NotificationRequested(
                    request_id=new_id(),
                    kind=_kind(a),
                    org_id=a.event.recipient_org_id,
                    org_roles=["clerk"],
                    data=_notice(a),
                    critical=a.event.document.urgency.value in CRITICAL,
                    idempotency_key=f"{_kind(a)}:{a.event.delivery_id}",
                )
                for a in self.arrivals
            ],
        )
        for a in self.arrivals:
            log.info(
                "intake.received",
                delivery_id=str(a.event.delivery_id),
                document_id=str(a.doc.id),
                kind=_kind(a),
            )


def _kind(a: _Arrival) -> str:
    return "document.arrived" if a.created else "document.flagged"


def _notice(a: _Arrival) -> dict[str, str]:
    summary = a.event.document
    data = {
        "sender_name": summary.org_name or a.event.sender_org_code,
        "number": summary.code,
        "subject": summary.subject,
        "urgency": summary.urgency.value,
        "document_id": str(a.doc.id),
    }
    if a.event.business_type != BusinessType.NEW:
        data["flag"] = FLAG_KINDS[a.event.business_type.value]
    return data


def make_handlers(clock: Clock, *, store: BlobStore, signing: Signing) -> dict[type[Event], Handler]:
    async def on_deliveries_created(
        session: AsyncSession, batch: list[tuple[DeliveryCreated, Envelope]]
    ) -> None:
        """Idempotent per delivery: a delivery seen before (its copy or its flag exists) changes nothing."""
        events = [e for e, _ in batch if not e.recipient_external]  # egov-gateway takes those to the axis
        if not events:
            return
        known = await AgencyRepository(session).existing({e.recipient_org_id for e in events})
        ids = [e.delivery_id for e in events]
        seen = await DocumentRepository(session).delivered(ids) | await DocumentFlagRepository(
            session
        ).delivered(ids)
        intake = _Intake(session, store, signing, clock.now())
        for event in events:
            if event.recipient_org_id not in known:
                log.warning(
                    "intake.unknown_recipient",
                    delivery_id=str(event.delivery_id),
                    recipient_org_id=str(event.recipient_org_id),
                )
                continue
            if event.delivery_id in seen:
                continue  # seen already: the copy and its messages exist
            seen.add(event.delivery_id)
            await intake.take(event)
        await intake.finish()

    return {DeliveryCreated: Batched(on_deliveries_created)}
