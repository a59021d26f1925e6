"""files: content-addressed blobs and the files attached to documents

Revision ID: 0003_files
Revises: 0002_documents
Create Date: 2026-11-27 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0003_files"
down_revision: str | None = "0002_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET statement_timeout = '60s'")
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blob"),
    )
    op.create_table(
        "document_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_file"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_document_file_document_id_document"
        ),
        sa.ForeignKeyConstraint(["sha256"], ["blob.sha256"], name="fk_document_file_sha256_blob"),
        sa.UniqueConstraint("document_id", "sha256", name="uq_document_file_document_id"),
    )
    op.create_index("ix_document_file_sha256", "document_file", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_document_file_sha256", table_name="document_file")
    op.drop_table("document_file")
    op.drop_table("blob")
