from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import FileResponse

from docs_service import models
from docs_service.document.dependencies import Now
from docs_service.file.dependencies import FileLimit, Store, receive_request
from docs_service.file.endpoints import upload_body
from docs_service.file.exceptions import (
    DisguisedFile,
    ExecutableRefused,
    MalformedUpload,
    NotMultipart,
    UnsupportedFileType,
    UploadTooLarge,
)
from kit_core import AUTHENTICATION, MissingScope, current_principal, problems
from kit_db import SessionDep

from . import schemas
from .dependencies import SCOPE, ExchangeClient
from .exceptions import BlobNotFound
from .service import exchange_blobs

router = APIRouter(
    prefix="/api/v1/exchange/blobs",
    tags=["exchange"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION, MissingScope),
)
CLIENTS_ONLY = f" Machine clients with the scope `{SCOPE}` only (egov-gateway); a person's token is 403."


@router.get(
    "/{sha256}",
    response_class=FileResponse,
    responses={
        **problems(BlobNotFound),
        200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
    },
    description="The stored content with this SHA-256 (hex), typed as sniffed when stored; ETag = the digest."
    + CLIENTS_ONLY,
)
async def get_blob(sha256: str, client: ExchangeClient, session: SessionDep, store: Store) -> FileResponse:
    blob, path = await exchange_blobs.get(session, store, sha256)
    return FileResponse(
        path,
        media_type=blob.content_type,
        headers={
            "etag": f'"{blob.sha256}"',
            "cache-control": "private, no-transform",
            "x-content-type-options": "nosniff",
        },
    )


@router.post(
    "",
    response_model=schemas.StoredBlob,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upload_body(),
    responses=problems(
        UploadTooLarge, NotMultipart, MalformedUpload, ExecutableRefused, DisguisedFile, UnsupportedFileType
    ),
    description=(
        "Store a content without attaching it to a document (an attachment of a package received from "
        "the national axis; the incoming copy adopts it by digest later): multipart/form-data with one "
        "part `file`. Streamed, size-limited and typed from the content exactly as a document upload; "
        "refusals keep nothing. The same content again answers 200 with the same digest." + CLIENTS_ONLY
    ),
)
async def store_blob(
    client: ExchangeClient,
    session: SessionDep,
    store: Store,
    limit: FileLimit,
    now: Now,
    request: Request,
    response: Response,
) -> models.Blob:
    upload = await receive_request(request, store, limit=limit)
    blob, created = await exchange_blobs.store(session, store, client, upload, at=now.now())
    if not created:
        response.status_code = status.HTTP_200_OK
    return blob
