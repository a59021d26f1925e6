"""Search: the index kept in step with every change of a document, in the same transaction, and the
query that never looks outside the caller's agency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Final
from uuid import UUID

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.blobstore import BlobStore
from docs_service.document import schemas as document_schemas
from docs_service.register.service import vietnam_date
from kit_core import get_logger

from . import text as searchtext
from .repository import Entry, Filters, SearchRepository

log = get_logger(__name__)
PDF: Final = "application/pdf"


def meta_of(doc: models.Document) -> str:
    """The document's own searchable text, raw (its files' text layers join it in the index)."""
    code = f"{doc.number_text}/{doc.notation}" if doc.number_text and doc.notation else doc.notation
    pieces = [
        code,
        doc.exchange_id,
        doc.type_name,
        doc.subject,
        doc.summary,
        doc.sender_name,
        doc.sender_org_code,
        doc.signer_name,
    ]
    return "\n".join(p for p in pieces if p)


def code_of(doc: models.Document) -> str:
    code = f"{doc.number_text}/{doc.notation}" if doc.number_text and doc.notation else doc.notation
    return searchtext.fold(" ".join(p for p in (code, doc.exchange_id) if p))[:200]


class SearchService:
    async def refresh(self, session: AsyncSession, doc: models.Document, *, at: datetime) -> None:
        """Rewrite the document's entry from what it is now (call after every change, in its transaction)."""
        await self.refresh_many(session, [doc], at=at)

    async def refresh_many(
        self, session: AsyncSession, docs: Sequence[models.Document], *, at: datetime
    ) -> None:
        """Rewrite the entries of several documents at once (an intake batch)."""
        if not docs:
            return
        repo = SearchRepository(session)
        await session.flush()
        layers = await repo.layers_of([d.id for d in docs])
        await repo.write_many(
            [
                Entry(
                    document_id=doc.id,
                    org_id=doc.org_id,
                    doc_date=doc.document_date or doc.arrival_date or vietnam_date(doc.created_at),
                    code=code_of(doc),
                    meta=meta_of(doc),
                    files=tuple(layers.get(doc.id, ())),
                )
                for doc in docs
            ],
            at=at,
        )

    async def read_layer(self, path: Path, head: bytes) -> tuple[str, int] | None:
        """The text layer of what looks like a PDF, read in a worker thread. Call it before the
        transaction locks anything: a long PDF takes a while."""
        if not head.startswith(b"%PDF-"):
            return None
        return await anyio.to_thread.run_sync(searchtext.pdf_text, path)

    async def keep_layer(
        self,
        session: AsyncSession,
        sha256: str,
        content_type: str,
        layer: tuple[str, int] | None,
        *,
        path: Path,
        at: datetime,
    ) -> None:
        """Keep the text layer of a PDF (once per content); other types have none to keep. A layer
        not read beforehand is read now."""
        if content_type != PDF:
            return
        repo = SearchRepository(session)
        if await repo.has_file_text(sha256):
            return
        text, pages = (
            layer if layer is not None else await anyio.to_thread.run_sync(searchtext.pdf_text, path)
        )
        await repo.add_file_text(sha256, text, pages, at)
        log.info("pdf.text_kept", sha256=sha256, pages=pages, chars=len(text))

    async def index_layers(self, session: AsyncSession, store: BlobStore, *, at: datetime) -> int:
        """Extract and keep the text layer of every stored PDF that has none; how many."""
        repo = SearchRepository(session)
        missing = await repo.pdfs_without_text()
        for sha256 in missing:
            path = store.path_of(sha256)
            text, pages = (
                await anyio.to_thread.run_sync(searchtext.pdf_text, path) if path.is_file() else ("", 0)
            )
            await repo.add_file_text(sha256, text, pages, at)
        return len(missing)

    async def index_batch(
        self, session: AsyncSession, after: UUID | None, *, at: datetime, limit: int = 500
    ) -> tuple[int, UUID | None]:
        """Rewrite the entries of the next ``limit`` documents by id after ``after``: how many, and
        the last id (None when none were left). ``search reindex`` runs a transaction per batch."""
        rows = await SearchRepository(session).documents_after(after, limit=limit)
        for doc in rows:
            await self.refresh(session, doc, at=at)
        return len(rows), (rows[-1].id if rows else None)

    async def search(
        self,
        session: AsyncSession,
        org_id: UUID,
        query: str | None,
        filters: Filters,
        *,
        sort: str,
        limit: int,
        offset: int,
    ) -> document_schemas.DocumentPage:
        from docs_service.document.service import view

        found, total = await SearchRepository(session).search(
            org_id, query, filters, sort=sort, limit=limit, offset=offset
        )
        return document_schemas.DocumentPage(
            items=[view(d) for d in found], total=total, limit=limit, offset=offset
        )


search = SearchService()
