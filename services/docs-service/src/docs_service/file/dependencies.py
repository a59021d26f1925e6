from typing import Annotated

from fastapi import Depends, Request

from docs_service.blobstore import BlobStore

from .exceptions import UploadTooLarge
from .service import FORM_SLACK, Upload, receive


def blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blob_store
    return store


def file_limit(request: Request) -> int:
    limit: int = request.app.state.max_file_bytes
    return limit


Store = Annotated[BlobStore, Depends(blob_store)]
FileLimit = Annotated[int, Depends(file_limit)]


async def receive_request(request: Request, store: BlobStore, *, limit: int) -> Upload:
    """The upload of a request: refused at once when its declared length is past the limit, else
    streamed (``receive``)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + FORM_SLACK:
        raise UploadTooLarge(f"files are limited to {limit} bytes; this body has {declared}", limit=limit)
    return await receive(request.stream(), request.headers.get("content-type"), store, limit=limit)
