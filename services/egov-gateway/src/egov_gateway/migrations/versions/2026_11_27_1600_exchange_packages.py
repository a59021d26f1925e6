"""exchange packages with the national axis, their evidence and parties, the inbound cursor

Revision ID: 0002_exchange
Revises: 0001_egov
Create Date: 2026-11-27 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0002_exchange"
down_revision: str | None = "0001_egov"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET statement_timeout = '60s'")
    op.create_table(
        "exchange_package",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("business_type", sa.String(1), nullable=True),
        sa.Column("status_code", sa.String(2), nullable=True),
        sa.Column("delivery_id", sa.Uuid(), nullable=True),
        sa.Column("exchange_id", sa.String(100), nullable=False),
        sa.Column("sender_code", sa.String(13), nullable=False),
        sa.Column("recipient_codes", sa.String(1000), nullable=False),
        sa.Column("axis_doc_id", sa.String(100), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_package"),
        sa.UniqueConstraint("delivery_id", name="uq_exchange_package_delivery_id"),
        sa.UniqueConstraint("direction", "axis_doc_id", name="uq_exchange_package_direction"),
    )
    op.create_index("ix_exchange_package_exchange_id", "exchange_package", ["exchange_id"])
    op.create_index("ix_exchange_package_next_attempt_at", "exchange_package", ["next_attempt_at"])
    op.create_table(
        "package_party",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(9), nullable=False),
        sa.PrimaryKeyConstraint("package_id", "agency_id", "role", name="pk_package_party"),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["exchange_package.id"],
            name="fk_package_party_package_id_exchange_package",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_package_party_agency_id", "package_party", ["agency_id"])
    op.create_table(
        "package_evidence",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.Column("signature_status", sa.String(8), nullable=False),
        sa.Column("signature_detail", sa.String(1000), nullable=True),
        sa.Column("verification", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("package_id", name="pk_package_evidence"),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["exchange_package.id"],
            name="fk_package_evidence_package_id_exchange_package",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "axis_cursor",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_axis_cursor"),
    )


def downgrade() -> None:
    op.drop_table("axis_cursor")
    op.drop_table("package_evidence")
    op.drop_index("ix_package_party_agency_id", table_name="package_party")
    op.drop_table("package_party")
    op.drop_index("ix_exchange_package_next_attempt_at", table_name="exchange_package")
    op.drop_index("ix_exchange_package_exchange_id", table_name="exchange_package")
    op.drop_table("exchange_package")
