"""The document lifecycle: outgoing draft → submitted → approved → signed (personal, then the agency
seal) → issued, then recalled or replaced; incoming arrived → registered | returned.

Every step before issue is a version row (who, when, which fields changed); an issued document is
never edited again. Each step's event goes to the outbox in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from docs_service.audit.service import audit_trail
from docs_service.file.repository import DocumentFileRepository
from docs_service.register.exceptions import RegisterNotFound, UnknownAgency
from docs_service.register.service import LEGAL_PREFIX, register_year, vietnam_date
from docs_service.register.service import register as register_service
from docs_service.search.service import search as search_index
from kit_bus import outbox
from kit_contracts import (
    Confidentiality,
    DocumentApproved,
    DocumentCreated,
    DocumentIssued,
    DocumentRecalled,
    DocumentReplaced,
    DocumentSigned,
    DocumentSubmitted,
    DocumentSummary,
    FileRef,
    IncomingRegistered,
    IncomingReturned,
    Urgency,
)
from kit_core import Principal, get_logger, new_id

from . import schemas
from .exceptions import (
    AlreadySealed,
    CodeNotFound,
    DocumentImmutable,
    DocumentNotEditable,
    DocumentNotFound,
    IdempotencyKeyReused,
    NotationImpossible,
    NotSealed,
    PersonalSignatureFirst,
    RegisterDoesNotFit,
    RelatedDocumentNotFound,
    UnknownDocumentType,
    WrongStatus,
)
from .repository import (
    DocumentFlagRepository,
    DocumentRepository,
    DocumentTypeRepository,
    DocumentVersionRepository,
)

log = get_logger(__name__)

S = models.DocumentStatus
AFTER_ISSUE: Final = frozenset({S.ISSUED, S.RECALLED, S.REPLACED})
FLAG_KINDS: Final = {"1": "revoke", "2": "update", "3": "replace"}
NOTATION_MAX: Final = 30


def series_of(doc: models.Document, type_family: str | None) -> str:
    """Điều 15: secret documents have their own series, each legal-normative type its own."""
    if doc.confidentiality != Confidentiality.NORMAL:
        return models.RegisterSeries.SECRET.value
    if type_family == "legal" and doc.type_code:
        return LEGAL_PREFIX + doc.type_code
    return models.RegisterSeries.ADMINISTRATIVE.value


def padded(number: int) -> str:
    """Phụ lục I: a leading zero below 10 (05), none above (12, 7816)."""
    return f"{number:02d}"


def notation_of(doc: models.Document, agency: models.Agency, *, family: str | None, year: int) -> str:
    """Ký hiệu (Phụ lục I): type + agency (QĐ-UBND); a Công văn: agency + drafting unit (UBND-VP);
    a legal-normative document carries its year too (12/2026/QĐ-UBND)."""
    short = (agency.short_name or "").strip()
    if not short or any(c.isspace() or c in "/-," for c in short):
        raise NotationImpossible(
            f"the directory gives {agency.name} ({agency.code}) no usable abbreviation "
            f"(short name {agency.short_name!r}); set one in routing-service, e.g. UBND"
        )
    if doc.type_abbreviation:
        notation = f"{doc.type_abbreviation}-{short}"
        if family == "legal":
            notation = f"{year}/{notation}"
    elif doc.drafting_unit:
        notation = f"{short}-{doc.drafting_unit}"
    elif doc.type_code == "cong_van":
        raise NotationImpossible(
            "a Công văn is numbered with the agency and the drafting unit (05/UBND-VP): "
            "set drafting_unit on the draft first"
        )
    else:
        notation = short
    if len(notation) > NOTATION_MAX:
        raise NotationImpossible(f"the notation {notation!r} is longer than {NOTATION_MAX} characters")
    return notation


def exchange_id_of(org_code: str, issued_on: date, number: str, notation: str) -> str:
    """QCVN 102 DocumentId: {OrganId},{yyyy/MM/dd},{number}/{notation}."""
    return f"{org_code},{issued_on:%Y/%m/%d},{number}/{notation}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


COLUMNS: Final = [c.key for c in models.Document.__table__.columns]


def view(doc: models.Document, flags: Sequence[models.DocumentFlag] = ()) -> schemas.Document:
    data = {name: getattr(doc, name) for name in COLUMNS}
    data["number"] = doc.number_text
    data["code"] = f"{doc.number_text}/{doc.notation}" if doc.number_text and doc.notation else None
    data["flags"] = [schemas.Flag.model_validate(f) for f in flags]
    data["missing_files"] = doc.missing_files or []
    return schemas.Document.model_validate(data)


class DocumentService:
    # -- reading ---------------------------------------------------------------------------------

    async def get_owned(
        self, session: AsyncSession, principal: Principal, document_id: UUID, *, lock: bool = False
    ) -> models.Document:
        """The document if the caller's agency owns it; another agency's is as absent as a missing one."""
        documents = DocumentRepository(session)
        doc = await (documents.for_update(document_id) if lock else documents.get(document_id))
        if doc is None or principal.agency_id is None or doc.org_id != principal.agency_id:
            raise DocumentNotFound(f"no document {document_id} in the agency the token acts for")
        return doc

    async def view(self, session: AsyncSession, doc: models.Document) -> schemas.Document:
        flags = (
            await DocumentFlagRepository(session).of_document(doc.id) if doc.direction == "incoming" else []
        )
        return view(doc, flags)

    async def page(
        self,
        session: AsyncSession,
        org_id: UUID,
        *,
        direction: models.Direction | None,
        status: models.DocumentStatus | None,
        limit: int,
        offset: int,
    ) -> schemas.DocumentPage:
        found, total = await DocumentRepository(session).page(
            org_id,
            direction=direction.value if direction else None,
            status=status.value if status else None,
            limit=limit,
            offset=offset,
        )
        return schemas.DocumentPage(items=[view(d) for d in found], total=total, limit=limit, offset=offset)

    async def versions(self, session: AsyncSession, doc: models.Document) -> Sequence[models.DocumentVersion]:
        return await DocumentVersionRepository(session).of_document(doc.id)

    async def types(self, session: AsyncSession) -> Sequence[models.DocumentType]:
        return await DocumentTypeRepository(session).active()

    async def urgencies(self, session: AsyncSession) -> Sequence[models.UrgencyCode]:
        return await DocumentTypeRepository(session).urgencies()

    async def all_types(self, session: AsyncSession) -> Sequence[models.DocumentType]:
        return await DocumentTypeRepository(session).all()

    async def configure_type(
        self, session: AsyncSession, code: str, data: schemas.DocumentTypeUpdate
    ) -> models.DocumentType:
        found = await DocumentTypeRepository(session).by_code(code)
        if found is None:
            raise CodeNotFound(f"no document type {code!r}")
        for name, value in data.model_dump(exclude_unset=True).items():
            if name == "active" and value is None:
                continue
            setattr(found, name, value)
        await session.flush()
        log.info(
            "code_table.changed",
            table="document_type",
            code=code,
            changes=data.model_dump(exclude_unset=True),
        )
        return found

    async def configure_urgency(
        self, session: AsyncSession, urgency: str, data: schemas.UrgencyLevelUpdate
    ) -> models.UrgencyCode:
        found = await DocumentTypeRepository(session).urgency(urgency)
        if found is None:
            raise CodeNotFound(f"no urgency level {urgency!r}")
        found.edxml_priority = data.edxml_priority
        await session.flush()
        log.info("code_table.changed", table="urgency_code", code=urgency, edxml_priority=data.edxml_priority)
        return found

    # -- drafting --------------------------------------------------------------------------------

    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        org_id: UUID,
        data: schemas.DocumentCreate,
        *,
        at: datetime,
        idempotency_key: str | None,
    ) -> tuple[models.Document, bool]:
        """A new outgoing draft; with an idempotency key, a repeat returns the first one (created=False)."""
        documents = DocumentRepository(session)
        fields = data.model_dump(exclude={"type_code"})
        initial = {"type_code": data.type_code} | {
            k: _jsonable(v) for k, v in fields.items() if v is not None
        }
        created = {k: {"from": None, "to": v} for k, v in initial.items()}
        if idempotency_key is not None:
            earlier = await documents.by_idempotency_key(org_id, idempotency_key)
            if earlier is not None:
                first = (await DocumentVersionRepository(session).of_document(earlier.id))[0]
                if first.changes != created:
                    raise IdempotencyKeyReused(
                        f"Idempotency-Key {idempotency_key!r} was used for document {earlier.id} with "
                        "another body; use a new key for a new draft",
                        document_id=earlier.id,
                    )
                return earlier, False
        if await AgencyRepository(session).get(org_id) is None:
            raise UnknownAgency(f"agency {org_id} is not in the directory yet; wait for it to replicate")
        doc_type = await self._type(session, data.type_code)
        doc = models.Document(
            id=new_id(),
            org_id=org_id,
            direction=models.Direction.OUTGOING.value,
            status=S.DRAFT.value,
            version=0,
            idempotency_key=idempotency_key,
            type_code=doc_type.code,
            type_name=doc_type.name,
            type_abbreviation=doc_type.abbreviation,
            created_by=principal.user_id,
            created_at=at,
            updated_at=at,
            **{k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()},
        )
        await self._check_related(session, doc)
        await documents.add(doc)
        await self.record(session, doc, "created", principal, at, created)
        await outbox.add(
            session,
            DocumentCreated(
                document_id=doc.id,
                org_id=org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                direction=doc.direction,
                type_name=doc.type_name,
                subject_text=doc.subject,
            ),
        )
        return doc, True

    async def update(
        self,
        session: AsyncSession,
        principal: Principal,
        doc: models.Document,
        data: schemas.DocumentUpdate,
        *,
        at: datetime,
    ) -> models.Document:
        self.ensure_editable(doc)
        sent = data.model_dump(exclude_unset=True)
        for required in ("type_code", "subject", "urgency", "confidentiality"):
            if required in sent and sent[required] is None:
                raise DocumentNotEditable(f"{required} cannot be cleared, only changed")
        changes: dict[str, Any] = {}
        if "type_code" in sent and sent["type_code"] != doc.type_code:
            doc_type = await self._type(session, sent["type_code"])
            for name, value in (
                ("type_code", doc_type.code),
                ("type_name", doc_type.name),
                ("type_abbreviation", doc_type.abbreviation),
            ):
                if getattr(doc, name) != value:
                    changes[name] = {"from": getattr(doc, name), "to": value}
                    setattr(doc, name, value)
        sent.pop("type_code", None)
        for name, value in sent.items():
            value = value.value if hasattr(value, "value") else value
            if getattr(doc, name) != value:
                changes[name] = {"from": _jsonable(getattr(doc, name)), "to": _jsonable(value)}
                setattr(doc, name, value)
        if not changes:
            return doc  # nothing changed: no new version
        await self._check_related(session, doc)
        doc.updated_at = at
        await self.record(session, doc, "updated", principal, at, changes)
        return doc

    # -- the way to issue ------------------------------------------------------------------------

    async def submit(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime
    ) -> models.Document:
        self._step(doc, S.DRAFT, "submit")
        doc.submitted_at = at
        await self._move(session, doc, S.SUBMITTED, "submitted", principal, at)
        await outbox.add(
            session,
            DocumentSubmitted(
                document_id=doc.id, org_id=doc.org_id, actor_id=principal.user_id, occurred_at=at
            ),
        )
        return doc

    async def approve(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime
    ) -> models.Document:
        self._step(doc, S.SUBMITTED, "approve")
        doc.approved_at, doc.approved_by = at, principal.user_id
        await self._move(session, doc, S.APPROVED, "approved", principal, at)
        await outbox.add(
            session,
            DocumentApproved(
                document_id=doc.id, org_id=doc.org_id, actor_id=principal.user_id, occurred_at=at
            ),
        )
        return doc

    async def send_back(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime, reason: str
    ) -> models.Document:
        """The leader returns a submitted or approved draft to its drafters, with the reason."""
        self._ensure_not_issued(doc)
        if doc.direction != models.Direction.OUTGOING or doc.status not in (S.SUBMITTED, S.APPROVED):
            raise WrongStatus(
                f"only a submitted or approved draft goes back; document {doc.id} is {doc.status}",
                document_status=doc.status,
                expected=[S.SUBMITTED.value, S.APPROVED.value],
            )
        doc.submitted_at, doc.approved_at, doc.approved_by = None, None, None
        await self._move(session, doc, S.DRAFT, "sent_back", principal, at, {"reason": reason})
        return doc

    async def sign(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime
    ) -> models.Document:
        """The leader's personal signature step (ký ban hành)."""
        self._step(doc, S.APPROVED, "sign")
        doc.signed_at, doc.signed_by = at, principal.user_id
        extra: dict[str, Any] = {}
        if not doc.signer_name and principal.name:
            doc.signer_name = principal.name[:50]
            extra["signer_name"] = {"from": None, "to": doc.signer_name}
        await self._move(session, doc, S.SIGNED, "signed", principal, at, extra)
        await outbox.add(
            session,
            DocumentSigned(
                document_id=doc.id,
                org_id=doc.org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                signature="personal",
                signer_name=doc.signer_name or "",
            ),
        )
        return doc

    async def seal(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime
    ) -> models.Document:
        """The clerk's agency signature (Điều 32): only after the personal one."""
        self._ensure_not_issued(doc)
        if doc.status != S.SIGNED:
            raise PersonalSignatureFirst(
                f"document {doc.id} is {doc.status}: the agency seal is applied only after the leader's "
                "personal signature (NĐ 30/2020 Điều 32)",
                document_status=doc.status,
            )
        if doc.sealed_at is not None:
            raise AlreadySealed(f"document {doc.id} was sealed at {doc.sealed_at.isoformat()}")
        doc.sealed_at, doc.sealed_by, doc.updated_at = at, principal.user_id, at
        await self._add_version(
            session, doc, "sealed", principal, at, {"sealed_at": {"from": None, "to": at.isoformat()}}
        )
        await outbox.add(
            session,
            DocumentSigned(
                document_id=doc.id,
                org_id=doc.org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                signature="agency",
                signer_name=principal.name[:100] if principal.name else "",
            ),
        )
        return doc

    async def issue(
        self,
        session: AsyncSession,
        principal: Principal,
        doc: models.Document,
        *,
        at: datetime,
        register_id: UUID | None,
    ) -> models.Document:
        """Number (the next in the register, in this transaction), register and issue."""
        self._step(doc, S.SIGNED, "issue")
        if doc.sealed_at is None:
            raise NotSealed(f"document {doc.id} has the personal signature but not yet the agency seal")
        agency = await AgencyRepository(session).get(doc.org_id)
        if agency is None:  # pragma: no cover - a draft exists only for a known agency
            raise UnknownAgency(f"agency {doc.org_id} is not in the directory")
        doc_type = await DocumentTypeRepository(session).by_code(doc.type_code) if doc.type_code else None
        family = doc_type.family if doc_type else None
        year, issued_on = register_year(at), vietnam_date(at)
        notation = notation_of(doc, agency, family=family, year=year)
        replaced = await self._replaced(session, doc)
        register = await self._outgoing_register(session, doc, register_id, family=family, year=year, at=at)
        # Last, so the register's row stays locked for as short a time as possible.
        number = await register_service.take_number(session, register, year=year)
        doc.register_id, doc.number, doc.number_text, doc.notation = (
            register.id,
            number,
            padded(number),
            notation,
        )
        doc.document_date = issued_on
        doc.exchange_id = exchange_id_of(agency.code, issued_on, doc.number_text, notation)
        doc.issued_at, doc.issued_by = at, principal.user_id
        await self._move(
            session,
            doc,
            S.ISSUED,
            "issued",
            principal,
            at,
            {
                "number": {"from": None, "to": doc.number_text},
                "notation": {"from": None, "to": notation},
                "register_id": {"from": None, "to": str(register.id)},
                "exchange_id": {"from": None, "to": doc.exchange_id},
            },
        )
        await outbox.add(
            session,
            DocumentIssued(
                document_id=doc.id,
                org_id=doc.org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                document=self.summary(doc, agency, await DocumentFileRepository(session).of_document(doc.id)),
            ),
        )
        if replaced is not None:
            replaced.status, replaced.replaced_by_id, replaced.updated_at = S.REPLACED.value, doc.id, at
            await self._add_version(
                session,
                replaced,
                "replaced",
                principal,
                at,
                {"replaced_by_id": {"from": None, "to": str(doc.id)}},
            )
            await outbox.add(
                session,
                DocumentReplaced(
                    document_id=replaced.id,
                    org_id=replaced.org_id,
                    actor_id=principal.user_id,
                    occurred_at=at,
                    exchange_id=replaced.exchange_id or "",
                    replaced_by_id=doc.id,
                ),
            )
        log.info("document.issued", document_id=str(doc.id), code=f"{doc.number_text}/{notation}")
        return doc

    async def recall(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime, reason: str
    ) -> models.Document:
        if doc.direction != models.Direction.OUTGOING or doc.status != S.ISSUED:
            raise WrongStatus(
                f"only an issued outgoing document can be recalled; document {doc.id} is {doc.status}",
                document_status=doc.status,
                expected=[S.ISSUED.value],
            )
        doc.status, doc.recalled_at, doc.recall_reason, doc.updated_at = S.RECALLED.value, at, reason, at
        await self._add_version(
            session,
            doc,
            "recalled",
            principal,
            at,
            {"status": {"from": S.ISSUED.value, "to": S.RECALLED.value}, "reason": reason},
        )
        await outbox.add(
            session,
            DocumentRecalled(
                document_id=doc.id,
                org_id=doc.org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                exchange_id=doc.exchange_id or "",
                reason=reason,
            ),
        )
        return doc

    # -- incoming --------------------------------------------------------------------------------

    async def register_incoming(
        self,
        session: AsyncSession,
        principal: Principal,
        doc: models.Document,
        *,
        at: datetime,
        data: schemas.RegisterIncoming,
    ) -> models.Document:
        self._incoming_step(doc, "register")
        year = register_year(at)
        arrival_date = data.arrival_date or vietnam_date(at)
        if data.register_id is not None:
            register = await self._own_register(
                session, doc, data.register_id, kind=models.RegisterKind.INCOMING, year=year
            )
        else:
            series = (
                models.RegisterSeries.SECRET.value
                if doc.confidentiality != Confidentiality.NORMAL
                else models.RegisterSeries.ADMINISTRATIVE.value
            )
            register = await register_service.of_year(
                session,
                agency_id=doc.org_id,
                year=year,
                kind=models.RegisterKind.INCOMING.value,
                series=series,
                at=at,
            )
        number = await register_service.take_number(session, register, year=year)
        doc.arrival_register_id, doc.arrival_number, doc.arrival_date = register.id, number, arrival_date
        doc.registered_by = principal.user_id
        await self._move(
            session,
            doc,
            S.REGISTERED,
            "registered",
            principal,
            at,
            {
                "arrival_number": {"from": None, "to": number},
                "arrival_date": {"from": None, "to": arrival_date.isoformat()},
            },
        )
        await outbox.add(
            session,
            IncomingRegistered(
                document_id=doc.id,
                org_id=doc.org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                delivery_id=doc.delivery_id or doc.id,
                arrival_number=number,
                arrival_date=arrival_date,
            ),
        )
        return doc

    async def return_incoming(
        self, session: AsyncSession, principal: Principal, doc: models.Document, *, at: datetime, reason: str
    ) -> models.Document:
        self._incoming_step(doc, "return")
        doc.returned_reason = reason
        await self._move(session, doc, S.RETURNED, "returned", principal, at, {"reason": reason})
        await outbox.add(
            session,
            IncomingReturned(
                document_id=doc.id,
                org_id=doc.org_id,
                actor_id=principal.user_id,
                occurred_at=at,
                delivery_id=doc.delivery_id or doc.id,
                reason=reason,
            ),
        )
        return doc

    # -- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def summary(
        doc: models.Document, agency: models.Agency, files: Sequence[models.DocumentFile] = ()
    ) -> DocumentSummary:
        if not (doc.exchange_id and doc.number_text and doc.notation and doc.document_date):
            raise RuntimeError(f"document {doc.id} is not numbered: no summary before issue")
        return DocumentSummary(
            document_id=doc.id,
            exchange_id=doc.exchange_id,
            org_id=agency.id,
            org_code=agency.code,
            org_name=agency.name,
            number=doc.number_text,
            notation=doc.notation,
            type_name=doc.type_name,
            type_abbreviation=doc.type_abbreviation,
            subject=doc.subject,
            urgency=Urgency(doc.urgency),
            confidentiality=Confidentiality(doc.confidentiality),
            issued_on=doc.document_date,
            place=doc.place or "",
            signer_name=doc.signer_name or "",
            signer_position=doc.signer_position or "",
            signer_competence=doc.signer_competence,
            due_date=doc.due_date,
            page_count=doc.page_count,
            files=[
                FileRef(
                    file_id=f.id,
                    sha256=f.sha256,
                    name=f.name,
                    content_type=f.content_type,
                    size=f.size,
                    main=f.main,
                )
                for f in files
            ],
        )

    async def _type(self, session: AsyncSession, code: str) -> models.DocumentType:
        found = await DocumentTypeRepository(session).by_code(code)
        if found is None or not found.active:
            raise UnknownDocumentType(
                f"no document type {code!r}; GET /api/v1/documents/types lists them", type_code=code
            )
        return found

    async def _check_related(self, session: AsyncSession, doc: models.Document) -> None:
        documents = DocumentRepository(session)
        for name in ("answers_to_id", "replaces_id"):
            related_id = getattr(doc, name)
            if related_id is None:
                continue
            related = await documents.get(related_id)
            if related is None or related.org_id != doc.org_id or related.id == doc.id:
                raise RelatedDocumentNotFound(
                    f"{name}: no document {related_id} in this agency", field=name, document_id=related_id
                )
            if name == "replaces_id" and (related.direction != "outgoing" or related.status != S.ISSUED):
                raise RelatedDocumentNotFound(
                    f"replaces_id: document {related_id} is {related.status}; only an issued outgoing "
                    "document can be replaced",
                    field=name,
                    document_id=related_id,
                )

    async def _replaced(self, session: AsyncSession, doc: models.Document) -> models.Document | None:
        if doc.replaces_id is None:
            return None
        replaced = await DocumentRepository(session).for_update(doc.replaces_id)
        if replaced is None or replaced.org_id != doc.org_id or replaced.status != S.ISSUED:
            raise RelatedDocumentNotFound(
                f"replaces_id: document {doc.replaces_id} is no longer an issued document of this agency "
                f"({replaced.status if replaced else 'missing'})",
                field="replaces_id",
                document_id=doc.replaces_id,
            )
        return replaced

    async def _outgoing_register(
        self,
        session: AsyncSession,
        doc: models.Document,
        register_id: UUID | None,
        *,
        family: str | None,
        year: int,
        at: datetime,
    ) -> models.Register:
        series = series_of(doc, family)
        if register_id is None:
            return await register_service.of_year(
                session,
                agency_id=doc.org_id,
                year=year,
                kind=models.RegisterKind.OUTGOING.value,
                series=series,
                at=at,
            )
        register = await self._own_register(
            session, doc, register_id, kind=models.RegisterKind.OUTGOING, year=year
        )
        if register.series != series:
            raise RegisterDoesNotFit(
                f"register {register.id} numbers the {register.series} series; this document belongs to {series}"
            )
        return register

    async def _own_register(
        self,
        session: AsyncSession,
        doc: models.Document,
        register_id: UUID,
        *,
        kind: models.RegisterKind,
        year: int,
    ) -> models.Register:
        try:
            register = await register_service.get(session, register_id)
        except RegisterNotFound:
            register = None
        if register is None or register.agency_id != doc.org_id:
            raise RegisterNotFound(f"no register {register_id} in this agency")
        if register.kind != kind or register.year != year:
            raise RegisterDoesNotFit(
                f"register {register.id} is the {register.kind} register of {register.year}; "
                f"this needs the {kind.value} register of {year}"
            )
        return register

    @staticmethod
    def _ensure_not_issued(doc: models.Document) -> None:
        if doc.status in AFTER_ISSUE:
            raise DocumentImmutable(
                f"document {doc.id} was issued as {doc.number_text}/{doc.notation} and cannot change; "
                "recall it, or issue a new document that replaces it",
                document_status=doc.status,
            )

    def ensure_editable(self, doc: models.Document) -> None:
        self._ensure_not_issued(doc)
        if doc.direction != models.Direction.OUTGOING:
            raise DocumentNotEditable(f"document {doc.id} is an incoming copy: it keeps what the sender sent")
        if doc.status != S.DRAFT:
            raise DocumentNotEditable(
                f"document {doc.id} is {doc.status}; only a draft can be edited", document_status=doc.status
            )

    def _step(self, doc: models.Document, expected: models.DocumentStatus, step: str) -> None:
        self._ensure_not_issued(doc)
        if doc.direction != models.Direction.OUTGOING or doc.status != expected:
            raise WrongStatus(
                f"to {step}, document {doc.id} must be {expected.value}; it is {doc.status}",
                document_status=doc.status,
                expected=[expected.value],
            )

    @staticmethod
    def _incoming_step(doc: models.Document, step: str) -> None:
        if doc.direction != models.Direction.INCOMING or doc.status != S.ARRIVED:
            raise WrongStatus(
                f"to {step} it, document {doc.id} must be an incoming copy that has arrived; it is "
                f"{doc.direction} and {doc.status}",
                document_status=doc.status,
                expected=[S.ARRIVED.value],
            )

    async def _move(
        self,
        session: AsyncSession,
        doc: models.Document,
        to: models.DocumentStatus,
        action: str,
        principal: Principal | None,
        at: datetime,
        extra: dict[str, Any] | None = None,
    ) -> None:
        changes = {"status": {"from": doc.status, "to": to.value}} | (extra or {})
        doc.status, doc.updated_at = to.value, at
        await self.record(session, doc, action, principal, at, changes)

    async def record(
        self,
        session: AsyncSession,
        doc: models.Document,
        action: str,
        principal: Principal | None,
        at: datetime,
        changes: dict[str, Any],
    ) -> None:
        await self._add_version(session, doc, action, principal, at, changes)

    @staticmethod
    async def _add_version(
        session: AsyncSession,
        doc: models.Document,
        action: str,
        principal: Principal | None,
        at: datetime,
        changes: dict[str, Any],
    ) -> None:
        doc.version += 1
        await DocumentVersionRepository(session).add(
            models.DocumentVersion(
                id=new_id(),
                document_id=doc.id,
                version=doc.version,
                action=action,
                actor_id=principal.user_id if principal else None,
                actor_name=(principal.name or principal.username) if principal else None,
                at=at,
                changes=changes,
            )
        )
        await search_index.refresh(session, doc, at=at)
        await audit_trail.record(
            session,
            doc,
            f"document.{action}",
            at=at,
            actor_id=principal.user_id if principal else None,
            actor_name=(principal.name or principal.username) if principal else None,
            detail={"version": doc.version, "changes": changes},
        )


document = DocumentService()
