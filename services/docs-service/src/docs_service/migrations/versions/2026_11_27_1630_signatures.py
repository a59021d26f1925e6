"""signatures: the validation report of every signature in a document's PDFs

Revision ID: 0005_signatures
Revises: 0004_search
Create Date: 2026-11-27 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0005_signatures"
down_revision: str | None = "0004_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET statement_timeout = '60s'")
    op.create_table(
        "document_signature",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("key_ref", sa.String(100), nullable=True),
        sa.Column("field_name", sa.String(127), nullable=False),
        sa.Column("signer_common_name", sa.String(255), nullable=False),
        sa.Column("signer_organisation", sa.String(255), nullable=False),
        sa.Column("signer_serial", sa.String(64), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("signing_time", UTCDateTime(), nullable=True),
        sa.Column("intact", sa.Boolean(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("revocation", sa.String(16), nullable=False),
        sa.Column("coverage", sa.String(32), nullable=False),
        sa.Column("modification", sa.String(32), nullable=False),
        sa.Column("bottom_line", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.String(255), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("signed_by", sa.Uuid(), nullable=True),
        sa.Column("validated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_signature"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_document_signature_document_id_document"
        ),
        sa.UniqueConstraint("document_id", "sha256", "position", name="uq_document_signature_document_id"),
    )
    op.create_index("ix_document_signature_document_id", "document_signature", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_document_signature_document_id", table_name="document_signature")
    op.drop_table("document_signature")
