"""create agency replica, registers and the bus tables

Revision ID: 0001_docs
Revises:
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_bus.migration_ops import create_bus_tables, drop_bus_tables
from kit_db import UTCDateTime

revision: str = "0001_docs"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "agency",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(13), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("short_name", sa.String(50), nullable=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agency"),
    )
    op.create_index("ix_agency_code", "agency", ["code"])
    op.create_table(
        "register",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("series", sa.String(32), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register"),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name="fk_register_agency_id_agency"),
        # Leads with agency_id, so it also serves "the registers of this agency" without another index.
        sa.UniqueConstraint("agency_id", "year", "kind", "series", name="uq_register_agency_id"),
        sa.CheckConstraint("kind IN ('outgoing', 'incoming')", name="ck_register_kind"),
    )


def downgrade() -> None:
    op.drop_table("register")
    op.drop_index("ix_agency_code", table_name="agency")
    op.drop_table("agency")
    drop_bus_tables()
