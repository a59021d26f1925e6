from typing import Annotated

from fastapi import Depends, Request

from docs_service.blobstore import BlobStore


def blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blob_store
    return store


def file_limit(request: Request) -> int:
    limit: int = request.app.state.max_file_bytes
    return limit


Store = Annotated[BlobStore, Depends(blob_store)]
FileLimit = Annotated[int, Depends(file_limit)]
