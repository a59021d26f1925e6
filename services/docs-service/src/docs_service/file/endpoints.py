import unicodedata
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import FileResponse

from docs_service import models
from docs_service.document.dependencies import DocumentForDrafter, Drafter, Now, ReadableDocument
from docs_service.document.exceptions import DocumentImmutable, DocumentNotEditable, DocumentNotFound
from docs_service.document.service import document as document_service
from docs_service.search.service import search as search_index
from docs_service.signature.dependencies import SigningDep
from docs_service.signature.service import signature as signature_service
from kit_core import AUTHENTICATION, CurrentPrincipal, MissingRole, current_principal, problems
from kit_db import SessionDep

from . import schemas
from .dependencies import FileLimit, Store, receive_request
from .exceptions import (
    DisguisedFile,
    ExecutableRefused,
    FileNotFound,
    MainFileExists,
    MainFileNotPdf,
    MalformedRange,
    MalformedUpload,
    NotMultipart,
    RangeNotSatisfiable,
    UnsupportedFileType,
    UploadTooLarge,
)
from .service import check_range
from .service import file as file_service

router = APIRouter(
    prefix="/api/v1/documents/{document_id}/files",
    tags=["files"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
OWNED: Final = " Only users of the agency that owns the document; any other agency's is 404."


def upload_body(**fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of a streamed upload: multipart with a ``file`` part (and ``fields``)."""
    properties = {"file": {"type": "string", "format": "binary"}, **fields}
    schema = {"type": "object", "required": ["file"], "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


UPLOAD_BODY: Final = upload_body(main={"type": "boolean", "description": "the main PDF (the one signed)"})


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback ``filename`` for old clients, and the real name in ``filename*``."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
        for c in folded
        if not unicodedata.combining(c)
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.post(
    "",
    response_model=schemas.DocumentFile,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses=problems(
        MissingRole,
        DocumentNotFound,
        DocumentImmutable,
        DocumentNotEditable,
        UploadTooLarge,
        NotMultipart,
        ExecutableRefused,
        DisguisedFile,
        UnsupportedFileType,
        MalformedUpload,
        MainFileNotPdf,
        MainFileExists,
    ),
    description=(
        "Attach a file to a draft (a new version): multipart/form-data with one part `file` and an "
        "optional `main=true` for the main PDF. The body is streamed into the content-addressed store "
        "(SHA-256; the same content is stored once, and attached once per document: a repeat answers "
        "200). The type is sniffed from the content; executables, unknown types, names that contradict "
        "the content and damaged files are refused and nothing is stored. Specialists and leaders." + OWNED
    ),
)
async def upload_file(
    document_id: UUID,
    principal: Drafter,
    session: SessionDep,
    store: Store,
    limit: FileLimit,
    now: Now,
    request: Request,
    response: Response,
    signing: SigningDep,
) -> models.DocumentFile:
    # Streamed before the database is touched, so no lock is held while the bytes arrive.
    upload = await receive_request(request, store, limit=limit)
    try:
        upload.text_layer = await search_index.read_layer(upload.staged.path, upload.staged.head)
    except BaseException:
        await store.discard(upload.staged)
        raise
    try:
        doc = await document_service.get_owned(session, principal, document_id, lock=True)
    except BaseException:
        await store.discard(upload.staged)
        raise
    attached, created = await file_service.attach(session, store, principal, doc, upload, at=now.now())
    if created and attached.content_type == "application/pdf":
        # Signatures a received PDF carries are validated and reported (never a reason to refuse it).
        await signature_service.validate_file(session, store, signing, doc, attached, at=now.now())
    if not created:
        response.status_code = status.HTTP_200_OK
    return attached


@router.get(
    "",
    response_model=list[schemas.DocumentFile],
    responses=problems(DocumentNotFound),
    description="The document's files, the main one first." + OWNED,
)
async def list_files(doc: ReadableDocument, session: SessionDep) -> Sequence[models.DocumentFile]:
    return await file_service.list(session, doc)


@router.get(
    "/{file_id}",
    response_model=schemas.DocumentFile,
    responses=problems(DocumentNotFound, FileNotFound),
    description="One file's description." + OWNED,
)
async def get_file(doc: ReadableDocument, file_id: UUID, session: SessionDep) -> models.DocumentFile:
    return await file_service.get(session, doc, file_id)


@router.get(
    "/{file_id}/content",
    response_class=FileResponse,
    responses={
        **problems(DocumentNotFound, FileNotFound, MalformedRange, RangeNotSatisfiable),
        200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
        206: {"description": "the requested byte range (Range: bytes=…)"},
    },
    description=(
        "Download: the sniffed Content-Type, Content-Disposition with the name (RFC 6266 filename*), "
        "ETag = the SHA-256, and byte ranges (Range, If-Range)." + OWNED
    ),
)
async def download_file(
    doc: ReadableDocument,
    file_id: UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    store: Store,
    now: Now,
    request: Request,
) -> FileResponse:
    found = await file_service.get(session, doc, file_id)
    etag = f'"{found.sha256}"'
    if_range = request.headers.get("if-range")
    if (wanted := request.headers.get("range")) is not None and if_range in (None, etag):
        check_range(wanted, found.size)  # a stale If-Range means the whole file, whatever the Range
    path = store.path_of(found.sha256)
    if not path.is_file():
        raise FileNotFound(
            f"the content of file {file_id} is missing from the store; an operator should run "
            "`python -m docs_service files verify`"
        )
    served = wanted if wanted is not None and if_range in (None, etag) else None
    await file_service.downloaded(session, principal, doc, found, at=now.now(), byte_range=served)
    return FileResponse(
        path,
        media_type=found.content_type,
        headers={
            "content-disposition": content_disposition(found.name),
            "etag": etag,
            "cache-control": "private, no-transform",
            "x-content-type-options": "nosniff",
        },
    )


@router.delete(
    "/{file_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(MissingRole, DocumentNotFound, DocumentImmutable, DocumentNotEditable, FileNotFound),
    description="Detach a file from a draft (a new version). Specialists and leaders." + OWNED,
)
async def delete_file(
    doc: DocumentForDrafter, file_id: UUID, principal: Drafter, session: SessionDep, now: Now
) -> Response:
    await file_service.remove(session, principal, doc, file_id, at=now.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
