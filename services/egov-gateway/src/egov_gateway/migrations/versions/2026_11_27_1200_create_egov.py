"""create the routing directory and the bus tables

Revision ID: 0001_egov
Revises:
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_bus.migration_ops import create_bus_tables, drop_bus_tables
from kit_db import UTCDateTime

revision: str = "0001_egov"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "directory_entry",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(13), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("external", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", name="pk_directory_entry"),
    )
    op.create_index("ix_directory_entry_code", "directory_entry", ["code"])


def downgrade() -> None:
    op.drop_index("ix_directory_entry_code", table_name="directory_entry")
    op.drop_table("directory_entry")
    drop_bus_tables()
