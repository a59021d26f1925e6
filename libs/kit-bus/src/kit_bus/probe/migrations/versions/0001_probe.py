"""bus tables and the probe table

Revision ID: 0001_probe
Revises:
Create Date: 2026-11-27 12:00:00
"""

import sqlalchemy as sa
from alembic import op

from kit_bus.migration_ops import create_bus_tables, drop_bus_tables

revision = "0001_probe"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "applied",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("probe_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("applied")
    drop_bus_tables()
