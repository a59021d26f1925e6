"""The search index's SQL: one entry per document (PostgreSQL tsvector + trigram on the folded code;
SQLite FTS5), and the query that only ever looks inside the caller's agency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Table,
    case,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from kit_db import insert_ignore_returning

from . import text as searchtext

FTS = table("document_search_fts", column("rowid"), column("document_id"), column("body"))
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
EMPTY_TSV: ColumnElement[Any] = literal_column("''::tsvector")
PG_ROWS = 1000  # rows per multi-row INSERT (well under PostgreSQL's 65,535 parameters)


def fts_rowid(document_id: UUID) -> int:
    """A stable signed 64-bit rowid for the FTS5 row of a document (both halves of the UUID mixed)."""
    raw = document_id.bytes
    value = int.from_bytes(raw[:8], "big") ^ int.from_bytes(raw[8:], "big")
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass(frozen=True)
class Filters:
    type_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    urgency: str | None = None
    status: str | None = None
    sender: str | None = None
    register_id: UUID | None = None
    direction: str | None = None


@dataclass(frozen=True)
class Entry:
    """What the index holds of one document: its own text, and the contents whose text layers join it
    (each engine folds them its own way; a content's layer is folded once, however many copies hold it)."""

    document_id: UUID
    org_id: UUID
    doc_date: date
    code: str
    meta: str  # the document's own searchable text, raw
    files: tuple[str, ...] = ()  # digests of its contents with a text layer, the main file first


class SearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- text layers -----------------------------------------------------------------------------

    async def add_file_text(self, sha256: str, text_: str, pages: int, at: datetime) -> None:
        table_ = cast(Table, models.FileText.__table__)
        row: dict[str, Any] = {"sha256": sha256, "text": text_, "pages": pages, "extracted_at": at}
        if self.postgres:  # parsed once here, joined into the entry of every document holding it
            row["tsv"] = func.to_tsvector(SIMPLE, func.docs_fold(searchtext.words_of(text_)))
            await self.session.execute(postgresql.insert(table_).values(row).on_conflict_do_nothing())
            return
        await insert_ignore_returning(self.session, table_, [row], table_.c.sha256)

    async def has_file_text(self, sha256: str) -> bool:
        return await self.session.get(models.FileText, sha256) is not None

    async def layers_of(self, document_ids: Sequence[UUID]) -> dict[UUID, list[str]]:
        """The digests of each document's contents that have a text layer, the main file first."""
        stmt = (
            select(models.DocumentFile.document_id, models.DocumentFile.sha256)
            .join(models.FileText, models.FileText.sha256 == models.DocumentFile.sha256)
            .where(models.DocumentFile.document_id.in_(list(document_ids)))
            .order_by(models.DocumentFile.main.desc(), models.DocumentFile.uploaded_at)
        )
        found: dict[UUID, list[str]] = {}
        for document_id, sha256 in await self.session.execute(stmt):
            found.setdefault(document_id, []).append(sha256)
        return found

    async def _folded_layers(self, digests: set[str]) -> dict[str, str]:
        if not digests:
            return {}
        stmt = select(models.FileText.sha256, models.FileText.text).where(models.FileText.sha256.in_(digests))
        return {sha256: searchtext.fold(text_) for sha256, text_ in await self.session.execute(stmt)}

    async def pdfs_without_text(self) -> Sequence[str]:
        stmt = (
            select(models.Blob.sha256)
            .outerjoin(models.FileText, models.FileText.sha256 == models.Blob.sha256)
            .where(models.Blob.content_type == "application/pdf", models.FileText.sha256.is_(None))
            .order_by(models.Blob.sha256)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def documents_after(self, after: UUID | None, *, limit: int) -> Sequence[models.Document]:
        stmt = select(models.Document).order_by(models.Document.id).limit(limit)
        if after is not None:
            stmt = stmt.where(models.Document.id > after)
        return (await self.session.execute(stmt)).scalars().all()

    # -- the entry -------------------------------------------------------------------------------

    async def write_many(self, entries: Sequence[Entry], *, at: datetime) -> None:
        """Insert or replace the documents' entries (and, on SQLite, their FTS5 rows)."""
        if not entries:
            return
        table_ = cast(Table, models.SearchEntry.__table__)
        rows: list[dict[str, Any]] = [
            {
                "document_id": e.document_id,
                "org_id": e.org_id,
                "doc_date": e.doc_date,
                "code": e.code,
                "updated_at": at,
            }
            for e in entries
        ]
        if self.postgres:
            for row, e in zip(rows, entries, strict=True):
                tsv: ColumnElement[Any] = func.to_tsvector(
                    SIMPLE, func.docs_fold(searchtext.words_of(e.meta))
                )
                for sha256 in e.files:  # the content's stored words: parsed once, not per document
                    layer = select(models.FileText.tsv).where(models.FileText.sha256 == sha256)
                    tsv = tsv.op("||")(func.coalesce(layer.scalar_subquery(), EMPTY_TSV))
                row["tsv"] = tsv
            for start in range(0, len(rows), PG_ROWS):
                pg = postgresql.insert(table_).values(rows[start : start + PG_ROWS])
                await self.session.execute(
                    pg.on_conflict_do_update(
                        index_elements=[table_.c.document_id],
                        set_={k: pg.excluded[k] for k in ("doc_date", "code", "tsv", "updated_at")},
                    )
                )
            return
        lite = sqlite.insert(table_)
        await self.session.execute(
            lite.on_conflict_do_update(
                index_elements=[table_.c.document_id],
                set_={k: lite.excluded[k] for k in ("doc_date", "code", "updated_at")},
            ),
            rows,
        )
        folded = await self._folded_layers({sha256 for e in entries for sha256 in e.files})
        rowids = [fts_rowid(e.document_id) for e in entries]
        await self.session.execute(delete(FTS).where(FTS.c.rowid.in_(rowids)))
        await self.session.execute(
            insert(FTS),
            [
                {
                    "rowid": rowid,
                    "document_id": e.document_id.hex,
                    "body": "\n".join(
                        [searchtext.fold(e.meta), *(folded[s] for s in e.files if s in folded)]
                    ),
                }
                for rowid, e in zip(rowids, entries, strict=True)
            ],
        )

    # -- the query -------------------------------------------------------------------------------

    async def search(
        self,
        org_id: UUID,
        query: str | None,
        filters: Filters,
        *,
        sort: str,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[models.Document], int]:
        E, D = models.SearchEntry, models.Document
        # The agency is part of the query itself, so nothing of another agency is ever counted.
        where: list[ColumnElement[bool]] = [E.org_id == org_id, D.org_id == org_id]
        if filters.type_code is not None:
            where.append(D.type_code == filters.type_code)
        if filters.date_from is not None:
            where.append(E.doc_date >= filters.date_from)
        if filters.date_to is not None:
            where.append(E.doc_date <= filters.date_to)
        if filters.urgency is not None:
            where.append(D.urgency == filters.urgency)
        if filters.status is not None:
            where.append(D.status == filters.status)
        if filters.direction is not None:
            where.append(D.direction == filters.direction)
        if filters.sender is not None:
            where.append(D.sender_org_code == filters.sender)
        if filters.register_id is not None:
            where.append(
                or_(D.register_id == filters.register_id, D.arrival_register_id == filters.register_id)
            )
        source: FromClause = E.__table__.join(D.__table__, D.id == E.document_id)
        rank: ColumnElement[Any] | None = None
        words = searchtext.terms(query or "")
        piece = searchtext.fragment(query or "")
        if query is not None and query.strip():
            if not words and piece is None:
                return [], 0
            in_code = E.code.contains(piece, autoescape=True) if piece else None
            if self.postgres:
                matched: list[ColumnElement[bool]] = []
                score: ColumnElement[Any] = literal_column("0.0")
                if words:
                    tsq = func.to_tsquery(SIMPLE, searchtext.tsquery(words))
                    matched.append(E.tsv.op("@@")(tsq))
                    score = func.ts_rank(E.tsv, tsq)
                if in_code is not None:
                    matched.append(in_code)
                    score = score + case((in_code, 1.0), else_=0.0)
                where.append(or_(*matched))
                rank = score.desc()
            else:
                hits = (
                    select(
                        FTS.c.document_id.label("hit_id"),
                        func.bm25(literal_column("document_search_fts")).label("bm25"),
                    )
                    .where(literal_column("document_search_fts").op("MATCH")(searchtext.fts5_query(words)))
                    .subquery("hits")
                )
                if words:
                    source = source.outerjoin(hits, hits.c.hit_id == E.document_id)
                    matched_lite: list[ColumnElement[bool]] = [hits.c.hit_id.is_not(None)]
                    rank = func.coalesce(hits.c.bm25, 0.0).asc()  # bm25: the lower, the better
                else:
                    matched_lite = []
                if in_code is not None:
                    matched_lite.append(in_code)
                where.append(or_(*matched_lite))
        total = (
            await self.session.execute(select(func.count()).select_from(source).where(*where))
        ).scalar_one()
        order: list[ColumnElement[Any]]
        if sort == "oldest":
            order = [E.doc_date.asc(), E.document_id.asc()]
        elif sort == "relevance" and rank is not None:
            order = [rank, E.doc_date.desc(), E.document_id.desc()]
        else:
            order = [E.doc_date.desc(), E.document_id.desc()]
        ids = (
            (
                await self.session.execute(
                    select(E.document_id)
                    .select_from(source)
                    .where(*where)
                    .order_by(*order)
                    .limit(limit)
                    .offset(offset)
                )
            )
            .scalars()
            .all()
        )
        if not ids:
            return [], int(total)
        found = {
            d.id: d
            for d in (
                await self.session.execute(select(D).where(D.id.in_(ids), D.org_id == org_id))
            ).scalars()
        }
        return [found[i] for i in ids if i in found], int(total)
