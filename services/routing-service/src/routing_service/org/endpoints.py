from collections.abc import Sequence
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.types import Message

from kit_contracts import Tier
from kit_core import AUTHENTICATION, CurrentPrincipal, MissingRole, OtherAgency, current_principal, problems
from kit_db import SessionDep
from routing_service import models

from . import csvio
from .dependencies import OrgFromPath, SystemAdmin, authorize_edit
from .exceptions import (
    ContactDetailsOnly,
    ImportRejected,
    MalformedAgencyCode,
    OrgCodeTaken,
    OrgNotFound,
    ParentCycle,
    TierOrder,
    UnknownParent,
    UnsupportedUpload,
    UploadTooLarge,
)
from .schemas import ImportReport, Org, OrgCreate, OrgNode, OrgUpdate
from .service import org as org_service

# Every route needs a valid token, whatever else it asks for (the check runs before the others).
router = APIRouter(
    prefix="/api/v1/orgs",
    tags=["orgs"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
READ: Final = "Any signed-in user may read the directory."
SYSTEM_ADMIN_ONLY: Final = "Needs a system administrator (role system_admin)."

MAX_IMPORT_BYTES: Final = 5 * 1024 * 1024
# Multipart framing around the file: boundaries and part headers.
_MULTIPART_SLACK: Final = 64 * 1024
_CSV_TYPES: Final = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")

_IMPORT_BODY: dict[str, Any] = {
    "required": True,
    "description": f"The CSV file, at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB. " + (csvio.__doc__ or ""),
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        "text/csv": {"schema": {"type": "string"}},
    },
}


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")


async def _read_upload(request: Request) -> bytes:
    """The uploaded file, refused with 413 as soon as more than the limit has arrived."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    multipart = media_type == "multipart/form-data"
    if not multipart and media_type not in _CSV_TYPES:
        raise UnsupportedUpload(
            f"send the CSV as a multipart form field named 'file' or as a text/csv body, not {media_type or 'nothing'}"
        )
    limit = MAX_IMPORT_BYTES + (_MULTIPART_SLACK if multipart else 0)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large()
        return message

    counted = Request(request.scope, receive)
    if not multipart:
        return await counted.body()
    async with counted.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UnsupportedUpload("the multipart form has no file field named 'file'")
        data = await upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_large()
    return data


@router.post(
    "",
    response_model=Org,
    status_code=status.HTTP_201_CREATED,
    responses=problems(MissingRole, OrgCodeTaken, UnknownParent, TierOrder),
    description=f"Add an agency to the directory; it is announced as routing.org.created.v1. {SYSTEM_ADMIN_ONLY}",
)
async def create_org(data: OrgCreate, session: SessionDep, _admin: SystemAdmin) -> models.Org:
    return await org_service.create(session, data)


@router.get(
    "",
    response_model=list[Org],
    description="Agencies in code order; the X-Total-Count header counts every match, beyond this page. "
    + READ,
)
async def list_orgs(
    session: SessionDep,
    response: Response,
    q: Annotated[
        str | None,
        Query(
            max_length=200, description="words of the name, short name or either code; tones and case ignored"
        ),
    ] = None,
    tier: Tier | None = None,
    parent_id: UUID | None = None,
    active: bool | None = None,
    external: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Sequence[models.Org]:
    orgs, total = await org_service.list(
        session,
        q=q,
        tier=tier,
        parent_id=parent_id,
        active=active,
        external=external,
        limit=limit,
        offset=offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return orgs


@router.get(
    "/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": csvio.__doc__}},
    description="The whole directory as CSV, in the format the import reads. "
    + READ
    + " (It holds nothing the listing does not show.)",
)
async def export_orgs(session: SessionDep) -> Response:
    return Response(
        await org_service.export_csv(session),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orgs.csv"'},
    )


@router.post(
    "/import",
    response_model=ImportReport,
    responses=problems(MissingRole, ImportRejected, UploadTooLarge, UnsupportedUpload),
    openapi_extra={"requestBody": _IMPORT_BODY},
    description="Create and update agencies from a CSV file: every row is applied, or none. "
    + SYSTEM_ADMIN_ONLY,
)
async def import_orgs(request: Request, session: SessionDep, _admin: SystemAdmin) -> ImportReport:
    # The body is read only now, after the token and the role were checked.
    return await org_service.import_csv(session, await _read_upload(request))


@router.get(
    "/by-code/{code}",
    response_model=Org,
    responses=problems(OrgNotFound, MalformedAgencyCode),
    description="By QCVN 102 code (000.00.00.H42, or the short form 00.00.H42) or by QĐ 20/2020 code "
    "(G09.20). " + READ,
)
async def get_org_by_code(code: str, session: SessionDep) -> models.Org:
    return await org_service.get_by_code(session, code)


@router.get("/{org_id}", response_model=Org, responses=problems(OrgNotFound), description=READ)
async def get_org(org: OrgFromPath) -> models.Org:
    return org


@router.patch(
    "/{org_id}",
    response_model=Org,
    responses=problems(
        MissingRole,
        OtherAgency,
        ContactDetailsOnly,
        OrgNotFound,
        OrgCodeTaken,
        UnknownParent,
        ParentCycle,
        TierOrder,
    ),
    description="Change the fields sent; a change is announced as routing.org.updated.v1. A system "
    "administrator may change any agency. An agency administrator may change only the contact details "
    "(address, phone, email, website) of the agency their token acts for; anyone else gets 403.",
)
async def update_org(
    org_id: UUID, data: OrgUpdate, principal: CurrentPrincipal, session: SessionDep
) -> models.Org:
    authorize_edit(principal, org_id, data)
    org = await org_service.get(session, org_id)
    return await org_service.update(session, org, data)


@router.get(
    "/{org_id}/subtree",
    response_model=list[OrgNode],
    responses=problems(OrgNotFound),
    description="The agency and everything below it, level by level, each with its depth. " + READ,
)
async def get_subtree(
    org: OrgFromPath,
    session: SessionDep,
    tier: Tier | None = None,
    include_self: bool = True,
    active: bool | None = None,
) -> list[OrgNode]:
    rows = await org_service.subtree(session, org, tier=tier, include_self=include_self, active=active)
    return [
        OrgNode.model_validate({**Org.model_validate(o).model_dump(), "depth": depth}) for o, depth in rows
    ]
