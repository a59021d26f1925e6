from datetime import date, datetime
from uuid import UUID

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class SearchEntry(Base):
    """A document as search sees it, rewritten in the transaction of every change of the document.

    PostgreSQL: ``tsv`` holds the folded words (``to_tsvector('simple', docs_fold(text))``, GIN
    index) and ``code`` the folded number, notation and DocumentId (trigram index, for fragments).
    SQLite: ``tsv`` stays empty; the words live in the FTS5 table ``document_search_fts``.
    """

    __tablename__ = "search_entry"
    __table_args__ = (
        Index("ix_search_entry_org_id_doc_date", "org_id", "doc_date"),
        # GIN on PostgreSQL; on SQLite plain (and unused: FTS5 does the work there).
        Index("ix_search_entry_tsv", "org_id", "tsv", postgresql_using="gin"),
        Index(
            "ix_search_entry_code_trgm",
            "org_id",
            "code",
            postgresql_using="gin",
            postgresql_ops={"code": "gin_trgm_ops"},
        ),
    )

    document_id: Mapped[UUID] = mapped_column(ForeignKey("document.id"), primary_key=True)
    org_id: Mapped[UUID] = mapped_column()
    doc_date: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(200))
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FileText(Base):
    """The text layer of a stored PDF, extracted (and, on PostgreSQL, parsed) once per content when it
    is first attached."""

    __tablename__ = "file_text"

    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(BigInteger)
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # PostgreSQL: the text's words, folded (as ``SearchEntry.tsv``), joined into the entry of every
    # document holding this content. SQLite: empty.
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=True)
