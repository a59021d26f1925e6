"""create the agency directory and the bus tables

Revision ID: 0001_routing
Revises:
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_bus.migration_ops import create_bus_tables, drop_bus_tables
from kit_db import UTCDateTime

revision: str = "0001_routing"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "org",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(13), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("short_name", sa.String(50), nullable=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column(
            "parent_id", sa.Uuid(), sa.ForeignKey("org.id", name="fk_org_parent_id_org"), nullable=True
        ),
        sa.Column("external", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_org_parent_id", "org", ["parent_id"])


def downgrade() -> None:
    op.drop_table("org")
    drop_bus_tables()
