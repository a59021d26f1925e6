import hashlib
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from egov_gateway.config import Settings
from kit_core import AUTHENTICATION, CurrentPrincipal, current_principal, problems
from kit_db import SessionDep

from .exceptions import FileNotInPackage, PackageNotFound
from .schemas import Direction, Package
from .service import packages

router = APIRouter(
    prefix="/api/v1/exchange/packages",
    tags=["packages"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
RULE = "Visible to the agencies concerned (the sender or a recipient of the package); a system administrator sees all."


@router.get(
    "",
    response_model=list[Package],
    description=f"Packages exchanged with the national document axis, newest first. {RULE}",
)
async def list_packages(
    session: SessionDep,
    principal: CurrentPrincipal,
    direction: Annotated[Direction | None, Query(description="out: sent by us; in: received")] = None,
    agency: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=13,
            description="QCVN 102 code of the sender or a recipient",
            examples=["000.00.00.G22"],
        ),
    ] = None,
    delivery_id: Annotated[UUID | None, Query(description="routing's delivery")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Package]:
    return await packages.search(
        session,
        principal,
        direction=direction.value if direction else None,
        agency_code=agency,
        delivery_id=delivery_id,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{package_id}/raw",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "the package's bytes as sent or received"},
        **problems(PackageNotFound),
    },
    description=(
        "The stored evidence: the exact bytes of the package, with its SHA-256 (X-Content-SHA256) and "
        f"signature check (X-Signature-Status). {RULE}"
    ),
)
async def download_raw(package_id: UUID, session: SessionDep, principal: CurrentPrincipal) -> Response:
    package, evidence = await packages.evidence(session, principal, package_id)
    name = f"{package.direction}-{package.id}.edxml"
    return Response(
        evidence.raw,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": evidence.sha256,
            "X-Signature-Status": evidence.signature_status,
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/{package_id}/files/{file_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "the file's bytes"},
        **problems(PackageNotFound, FileNotInPackage),
    },
    description=(
        "One file of a received document package (a FileRef of InboundDocumentReceived), read back from the "
        f"stored evidence. {RULE}"
    ),
)
async def download_file(
    package_id: UUID, file_id: UUID, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> Response:
    settings: Settings = request.app.state.settings
    attachment = await packages.attachment(session, principal, package_id, file_id, settings)
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.name)}",
            "X-Content-SHA256": hashlib.sha256(attachment.content).hexdigest(),
            "Cache-Control": "no-store",
        },
    )
