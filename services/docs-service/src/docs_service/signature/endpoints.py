from collections.abc import Sequence

from fastapi import APIRouter, Depends

from docs_service import models
from docs_service.document.dependencies import Now, ReadableDocument
from docs_service.document.exceptions import DocumentNotFound, NoAgency
from docs_service.file.dependencies import Store
from kit_core import AUTHENTICATION, current_principal, problems
from kit_db import SessionDep

from . import schemas
from .dependencies import SigningDep
from .service import signature as signature_service

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["signatures"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)


def _listed(rows: Sequence[models.DocumentSignature]) -> schemas.SignatureList:
    items = [schemas.Signature.model_validate(r) for r in rows]
    return schemas.SignatureList(items=items, all_valid=bool(items) and all(i.bottom_line for i in items))


@router.get(
    "/{document_id}/signatures",
    response_model=schemas.SignatureList,
    responses=problems(NoAgency, DocumentNotFound),
    description=(
        "The validation report of every signature in the document's current PDFs (the leader's and "
        "the agency's on the main file, any found in uploaded PDFs): integrity, chain to the trust "
        "roots, signer (CN, O), signing time, revocation. Users of the owning agency."
    ),
)
async def list_signatures(doc: ReadableDocument, session: SessionDep) -> schemas.SignatureList:
    return _listed(await signature_service.of_document(session, doc))


@router.post(
    "/{document_id}/signatures/validate",
    response_model=schemas.SignatureList,
    responses=problems(NoAgency, DocumentNotFound),
    description=(
        "Validate every PDF of the document again (e.g. after a CRL update) and store the new report. "
        "Users of the owning agency."
    ),
)
async def validate_signatures(
    doc: ReadableDocument, session: SessionDep, store: Store, signing: SigningDep, now: Now
) -> schemas.SignatureList:
    await signature_service.validate_document(session, store, signing, doc, at=now.now())
    return _listed(await signature_service.of_document(session, doc))
