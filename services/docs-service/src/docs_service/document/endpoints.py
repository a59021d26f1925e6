from collections.abc import Sequence
from typing import Annotated, Final

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status

from docs_service import models
from docs_service.file.dependencies import Store
from docs_service.register.exceptions import RegisterClosed, RegisterNotFound, UnknownAgency
from docs_service.signature.dependencies import SigningDep
from docs_service.signature.exceptions import NoSigningKey, SigningUnavailable, UnsignablePdf
from docs_service.signature.service import signature as signature_service
from kit_core import (
    AUTHENTICATION,
    CurrentPrincipal,
    MissingRole,
    Principal,
    Role,
    current_principal,
    problems,
    require_roles,
)
from kit_db import SessionDep

from . import schemas
from .dependencies import (
    AgencyId,
    DocumentForClerk,
    DocumentForDrafter,
    DocumentForLeader,
    DocumentForRecall,
    Drafter,
    Now,
    ReadableDocument,
)
from .exceptions import (
    AlreadySealed,
    CodeNotFound,
    DocumentImmutable,
    DocumentNotEditable,
    DocumentNotFound,
    IdempotencyKeyReused,
    NoAgency,
    NotationImpossible,
    NotSealed,
    PersonalSignatureFirst,
    RegisterDoesNotFit,
    RelatedDocumentNotFound,
    UnknownDocumentType,
    WrongStatus,
)
from .service import document as document_service

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["documents"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
types_router = APIRouter(
    prefix="/api/v1",
    tags=["code tables"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
SystemAdmin = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN))]
OWNED: Final = (
    " Only users of the owning agency (the issuer; the recipient for an incoming copy) reach a document: "
    "any other agency's is 404, as if it did not exist."
)
SIGNING_NOTE: Final = (
    " When the document has a main PDF, it is signed for real (PAdES, pyHanko) with the key configured "
    "for the signer (PKCS#11 token or PKCS#12 file; in development a key from the dev CA), as an "
    "incremental update: the file becomes a new version and its signatures are validated and listed "
    "under /signatures. Without a main PDF the step is recorded only. The order is NĐ 30/2020 Điều 32's."
)
STEP_ERRORS: Final = (NoAgency, MissingRole, DocumentNotFound, DocumentImmutable, WrongStatus)


@router.post(
    "",
    response_model=schemas.Document,
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        NoAgency,
        MissingRole,
        UnknownAgency,
        UnknownDocumentType,
        RelatedDocumentNotFound,
        IdempotencyKeyReused,
    ),
    description=(
        "A new outgoing draft in the agency the token acts for. Specialists and leaders draft. With an "
        "Idempotency-Key, a repeated request answers 200 with the document the first one created; the same "
        "key with another body is 422 idempotency-key-reused."
    ),
)
async def create_document(
    data: schemas.DocumentCreate,
    org_id: AgencyId,
    principal: Drafter,
    session: SessionDep,
    now: Now,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="the same key gives the same document")
    ] = None,
) -> schemas.Document:
    doc, created = await document_service.create(
        session, principal, org_id, data, at=now.now(), idempotency_key=idempotency_key
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return await document_service.view(session, doc)


@router.get(
    "",
    response_model=schemas.DocumentPage,
    responses=problems(NoAgency),
    description="The documents of the agency the token acts for, newest first." + OWNED,
)
async def list_documents(
    org_id: AgencyId,
    session: SessionDep,
    direction: models.Direction | None = None,
    status_: Annotated[models.DocumentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.DocumentPage:
    return await document_service.page(
        session, org_id, direction=direction, status=status_, limit=limit, offset=offset
    )


@router.get(
    "/{document_id}",
    response_model=schemas.Document,
    responses=problems(DocumentNotFound),
    description="One document, with the recall/update/replace flags of an incoming copy." + OWNED,
)
async def get_document(doc: ReadableDocument, session: SessionDep) -> schemas.Document:
    return await document_service.view(session, doc)


@router.patch(
    "/{document_id}",
    response_model=schemas.Document,
    responses=problems(
        MissingRole,
        DocumentNotFound,
        DocumentImmutable,
        DocumentNotEditable,
        UnknownDocumentType,
        RelatedDocumentNotFound,
    ),
    description=(
        "Edit a draft (specialists and leaders); each change is a new version. An issued document is "
        "immutable: 409." + OWNED
    ),
)
async def update_document(
    doc: DocumentForDrafter,
    data: schemas.DocumentUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: Now,
) -> schemas.Document:
    await document_service.update(session, principal, doc, data, at=now.now())
    return await document_service.view(session, doc)


@router.get(
    "/{document_id}/versions",
    response_model=list[schemas.Version],
    responses=problems(DocumentNotFound),
    description="The document's history: every step with who, when and what changed." + OWNED,
)
async def list_versions(doc: ReadableDocument, session: SessionDep) -> Sequence[models.DocumentVersion]:
    return await document_service.versions(session, doc)


@router.post(
    "/{document_id}/submit",
    response_model=schemas.Document,
    responses=problems(*STEP_ERRORS),
    description="draft → submitted, for the leader's approval. Specialists and leaders." + OWNED,
)
async def submit_document(
    doc: DocumentForDrafter, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> schemas.Document:
    await document_service.submit(session, principal, doc, at=now.now())
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/approve",
    response_model=schemas.Document,
    responses=problems(*STEP_ERRORS),
    description="submitted → approved (duyệt bản thảo). Leaders." + OWNED,
)
async def approve_document(
    doc: DocumentForLeader, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> schemas.Document:
    await document_service.approve(session, principal, doc, at=now.now())
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/send-back",
    response_model=schemas.Document,
    responses=problems(*STEP_ERRORS),
    description="submitted or approved → draft again, with the reason, for the drafters to rework. Leaders."
    + OWNED,
)
async def send_back_document(
    doc: DocumentForLeader, data: schemas.Reason, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> schemas.Document:
    await document_service.send_back(session, principal, doc, at=now.now(), reason=data.reason)
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/sign",
    response_model=schemas.Document,
    responses=problems(*STEP_ERRORS, NoSigningKey, SigningUnavailable, UnsignablePdf),
    description="approved → signed: the leader's personal signature step (ký ban hành). Leaders."
    + SIGNING_NOTE
    + OWNED,
)
async def sign_document(
    doc: DocumentForLeader,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: Now,
    store: Store,
    signing: SigningDep,
) -> schemas.Document:
    at = now.now()
    await document_service.sign(session, principal, doc, at=at)
    await signature_service.sign_main(session, store, signing, principal, doc, "personal", at=at)
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/seal",
    response_model=schemas.Document,
    responses=problems(
        *STEP_ERRORS, PersonalSignatureFirst, AlreadySealed, NoSigningKey, SigningUnavailable, UnsignablePdf
    ),
    description="The agency's signature (the seal), applied by a clerk, only after the personal one: "
    "before it, 409 personal-signature-first. Clerks." + SIGNING_NOTE + OWNED,
)
async def seal_document(
    doc: DocumentForClerk,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: Now,
    store: Store,
    signing: SigningDep,
) -> schemas.Document:
    at = now.now()
    await document_service.seal(session, principal, doc, at=at)
    await signature_service.sign_main(session, store, signing, principal, doc, "agency", at=at)
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/issue",
    response_model=schemas.Document,
    responses=problems(
        *STEP_ERRORS,
        NotSealed,
        NotationImpossible,
        RegisterNotFound,
        RegisterDoesNotFit,
        RegisterClosed,
        RelatedDocumentNotFound,
    ),
    description=(
        "signed and sealed → issued: takes the next number of the register (this year's register of the "
        "document's series unless one is named) in the same transaction, builds the notation and the "
        "exchange DocumentId, and publishes DocumentIssued. Gap-free: a failed issue gives its number back. "
        "Clerks." + OWNED
    ),
)
async def issue_document(
    doc: DocumentForClerk,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: Now,
    data: Annotated[schemas.IssueRequest | None, Body()] = None,
) -> schemas.Document:
    await document_service.issue(
        session, principal, doc, at=now.now(), register_id=data.register_id if data else None
    )
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/recall",
    response_model=schemas.Document,
    responses=problems(NoAgency, MissingRole, DocumentNotFound, WrongStatus),
    description="issued → recalled (thu hồi), with a reason; routing recalls it from every recipient. "
    "Clerks and leaders." + OWNED,
)
async def recall_document(
    doc: DocumentForRecall, data: schemas.Reason, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> schemas.Document:
    await document_service.recall(session, principal, doc, at=now.now(), reason=data.reason)
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/register",
    response_model=schemas.Document,
    responses=problems(
        NoAgency,
        MissingRole,
        DocumentNotFound,
        WrongStatus,
        RegisterNotFound,
        RegisterDoesNotFit,
        RegisterClosed,
    ),
    description="An arrived incoming copy → registered: the next arrival number (số đến) of the incoming "
    "register, continuous through the year, and the arrival date. Clerks." + OWNED,
)
async def register_incoming(
    doc: DocumentForClerk,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: Now,
    data: Annotated[schemas.RegisterIncoming | None, Body()] = None,
) -> schemas.Document:
    await document_service.register_incoming(
        session, principal, doc, at=now.now(), data=data or schemas.RegisterIncoming()
    )
    return await document_service.view(session, doc)


@router.post(
    "/{document_id}/return",
    response_model=schemas.Document,
    responses=problems(NoAgency, MissingRole, DocumentNotFound, WrongStatus),
    description="An arrived incoming copy → returned to its sender (từ chối tiếp nhận); the reason is "
    "mandatory. Clerks." + OWNED,
)
async def return_incoming(
    doc: DocumentForClerk, data: schemas.Reason, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> schemas.Document:
    await document_service.return_incoming(session, principal, doc, at=now.now(), reason=data.reason)
    return await document_service.view(session, doc)


@types_router.get(
    "/documents/types",
    response_model=list[schemas.DocumentType],
    description=(
        "The document types (NĐ 30/2020 Điều 7, Phụ lục III) with their edXML codes; those offered for "
        "new drafts, or all with include_inactive. Any signed-in user."
    ),
)
async def list_document_types(
    session: SessionDep, include_inactive: bool = False
) -> Sequence[models.DocumentType]:
    if include_inactive:
        return await document_service.all_types(session)
    return await document_service.types(session)


@types_router.patch(
    "/documents/types/{code}",
    response_model=schemas.DocumentType,
    responses=problems(MissingRole, CodeNotFound),
    description=(
        "Change the edXML Type/TypeDetail codes QCVN 102 leaves open, or withdraw a type from new "
        "drafts. Names and abbreviations are NĐ 30's and do not change. System administrators."
    ),
)
async def configure_document_type(
    code: str, data: schemas.DocumentTypeUpdate, session: SessionDep, _: SystemAdmin
) -> models.DocumentType:
    return await document_service.configure_type(session, code, data)


@types_router.patch(
    "/documents/urgency-levels/{urgency}",
    response_model=schemas.UrgencyLevel,
    responses=problems(MissingRole, CodeNotFound),
    description="Change the edXML Priority code of an urgency level. System administrators.",
)
async def configure_urgency_level(
    urgency: str, data: schemas.UrgencyLevelUpdate, session: SessionDep, _: SystemAdmin
) -> models.UrgencyCode:
    return await document_service.configure_urgency(session, urgency, data)


@types_router.get(
    "/documents/urgency-levels",
    response_model=list[schemas.UrgencyLevel],
    description="Độ khẩn with its edXML Priority code. Any signed-in user.",
)
async def list_urgency_levels(session: SessionDep) -> Sequence[models.UrgencyCode]:
    return await document_service.urgencies(session)
