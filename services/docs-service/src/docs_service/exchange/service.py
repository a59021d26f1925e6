"""Contents by digest for egov-gateway: read one, or store one without attaching it to anything.

Storing reuses the upload path of ``file.service`` (streamed multipart, size limit, type sniffed from
the content, executables and damaged files refused with nothing kept), then keeps the object and its
``blob`` row, which is all ``file.service.adopt`` needs to attach it to an incoming copy later.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.blobstore import BlobStore
from docs_service.file.repository import BlobRepository
from docs_service.file.service import Upload, sanitise, sniff
from kit_core import Principal, get_logger

from .exceptions import BlobNotFound

log = get_logger(__name__)


def _is_digest(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


class ExchangeBlobService:
    async def get(self, session: AsyncSession, store: BlobStore, sha256: str) -> tuple[models.Blob, Path]:
        """The stored content with this digest and where to read it; 404 if unknown or gone."""
        digest = sha256.lower()
        blob = await BlobRepository(session).by_digest(digest) if _is_digest(digest) else None
        path = store.path_of(digest) if blob is not None else None
        if blob is None or path is None or not await anyio.to_thread.run_sync(path.is_file):
            raise BlobNotFound(f"no stored content with SHA-256 {sha256[:64]!r}")
        return blob, path

    async def store(
        self, session: AsyncSession, store: BlobStore, principal: Principal, upload: Upload, *, at: datetime
    ) -> tuple[models.Blob, bool]:
        """Keep the staged upload under its digest; (blob, created). The same content again is the
        same blob (created=False). On any refusal the staged object goes and nothing is kept."""
        staged = upload.staged
        try:
            name = sanitise(upload.filename)
            content_type = await anyio.to_thread.run_sync(sniff, staged.path, staged.head, staged.size, name)
        except BaseException:
            await store.discard(staged)
            raise
        blobs = BlobRepository(session)
        created = await blobs.add_if_missing(
            {"sha256": staged.sha256, "size": staged.size, "content_type": content_type, "created_at": at}
        )
        # Kept before the commit: a rollback leaves an unreferenced object (content-addressed, harmless).
        kept = await store.keep(staged)
        blob = await blobs.by_digest(staged.sha256)
        if blob is None:  # pragma: no cover - the row was just inserted or already there
            raise RuntimeError(f"blob {staged.sha256} vanished")
        log.info(
            "exchange.blob_stored",
            sha256=blob.sha256,
            size=blob.size,
            content_type=blob.content_type,
            new_row=created,
            new_object=kept,
            client=principal.client_id,
        )
        return blob, created


exchange_blobs = ExchangeBlobService()
