"""search, text layers of PDFs, and the documents' audit trail

Revision ID: 0004_search
Revises: 0003_files
Create Date: 2026-11-27 16:00:00

PostgreSQL: ``unaccent``, ``pg_trgm`` and ``btree_gin`` (CREATE EXTENSION needs a role allowed to create them), an
IMMUTABLE ``docs_fold(text)`` (unaccent, then đ→d, lower case) for the tsvector, a GIN index on it
and a trigram GIN index on the folded number/notation. SQLite: an FTS5 table of folded text.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit_db import UTCDateTime

revision: str = "0004_search"
down_revision: str | None = "0003_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

FOLD = """
CREATE OR REPLACE FUNCTION docs_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT translate(lower(public.unaccent('public.unaccent'::regdictionary, $1)), 'đ', 'd') $$
"""


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    if postgres:
        op.execute("SET statement_timeout = '60s'")
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public")
        op.execute(FOLD)
    op.create_table(
        "search_entry",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("code", sa.String(200), nullable=False),
        sa.Column("tsv", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_search_entry_document_id_document"
        ),
        sa.PrimaryKeyConstraint("document_id", name="pk_search_entry"),
    )
    op.create_index("ix_search_entry_org_id_doc_date", "search_entry", ["org_id", "doc_date"])
    # (org_id, …) GIN indexes (btree_gin): the agency and the words are looked up in one index, so
    # a common word in a million documents costs what it costs inside one agency.
    op.create_index("ix_search_entry_tsv", "search_entry", ["org_id", "tsv"], postgresql_using="gin")
    op.create_index(
        "ix_search_entry_code_trgm",
        "search_entry",
        ["org_id", "code"],
        postgresql_using="gin",
        postgresql_ops={"code": "gin_trgm_ops"},
    )
    if not postgres:
        op.execute(
            "CREATE VIRTUAL TABLE document_search_fts USING fts5("
            "document_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
    op.create_table(
        "file_text",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pages", sa.BigInteger(), nullable=False),
        sa.Column("extracted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blob.sha256"], name="fk_file_text_sha256_blob"),
        sa.PrimaryKeyConstraint("sha256", name="pk_file_text"),
    )
    op.create_table(
        "document_audit",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.Identity(), primary_key=True
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(255), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_document_audit_document_id_id", "document_audit", ["document_id", "id"])
    head = op.create_table(
        "document_audit_head",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "hash": GENESIS}])


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    op.drop_table("document_audit_head")
    op.drop_index("ix_document_audit_document_id_id", table_name="document_audit")
    op.drop_table("document_audit")
    op.drop_table("file_text")
    if not postgres:
        op.execute("DROP TABLE document_search_fts")
    op.drop_index("ix_search_entry_code_trgm", table_name="search_entry")
    op.drop_index("ix_search_entry_tsv", table_name="search_entry")
    op.drop_index("ix_search_entry_org_id_doc_date", table_name="search_entry")
    op.drop_table("search_entry")
    if postgres:
        op.execute("DROP FUNCTION docs_fold(text)")
