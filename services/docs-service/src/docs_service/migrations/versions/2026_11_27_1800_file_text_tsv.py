"""file text tsvector: the words of a PDF's text layer, kept once per content (PostgreSQL)

Revision ID: 0007_file_text_tsv
Revises: 0006_incoming_files
Create Date: 2026-11-27 18:00:00

A document's search entry is its own metadata's tsvector joined with the stored tsvectors of its
files, so a content shared by 491 incoming copies is parsed and folded once, not 491 times. SQLite
keeps the column empty (FTS5 takes the folded text). Existing text layers get theirs here.
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_file_text_tsv"
down_revision: str | None = "0006_incoming_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORD = re.compile(r"[^\W_]+")  # as search.text.words_of, frozen here with this revision


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    if postgres:
        op.execute("SET lock_timeout = '5s'")
        op.execute("SET statement_timeout = '600s'")
    op.add_column(
        "file_text",
        sa.Column("tsv", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True),
    )
    if not postgres:
        return
    if op.get_context().as_sql:
        # Offline SQL cannot run Python: PostgreSQL's own parser splits the raw text (near enough;
        # `python -m docs_service search reindex` afterwards gives the exact words).
        op.execute("UPDATE file_text SET tsv = to_tsvector('simple', docs_fold(text)) WHERE tsv IS NULL")
        return
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT sha256, text FROM file_text")).all()
    for sha256, text in rows:
        words = " ".join(WORD.findall(unicodedata.normalize("NFC", text)))
        bind.execute(
            sa.text(
                "UPDATE file_text SET tsv = to_tsvector('simple', docs_fold(:words)) WHERE sha256 = :sha"
            ),
            {"words": words, "sha": sha256},
        )


def downgrade() -> None:
    op.drop_column("file_text", "tsv")
