from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from docs_service import models
from docs_service.document.dependencies import ReadableDocument
from docs_service.document.exceptions import DocumentNotFound
from kit_core import (
    AUTHENTICATION,
    CurrentPrincipal,
    MissingRole,
    Role,
    current_principal,
    ensure_roles,
    problems,
)
from kit_db import SessionDep

from .service import audit_trail

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["audit"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    kind: str
    actor_id: UUID | None
    actor_name: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@router.get(
    "/{document_id}/audit",
    response_model=list[AuditEntry],
    responses=problems(DocumentNotFound, MissingRole),
    description=(
        "The document's audit trail, newest first: every change (`document.<action>`, with the "
        "version and the changed fields) and every download of its files (`file.downloaded`), each "
        "entry hash-chained to the one before it in the service's whole trail (`python -m "
        "docs_service audit verify` checks the chain). Leaders and clerks of the owning agency; "
        "any other agency's document is 404. Page back with `before` (an entry id)."
    ),
)
async def document_audit(
    doc: ReadableDocument,
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Sequence[models.DocumentAudit]:
    ensure_roles(principal, Role.LEADER, Role.CLERK)
    return await audit_trail.of_document(session, doc.id, limit=limit, before=before)
