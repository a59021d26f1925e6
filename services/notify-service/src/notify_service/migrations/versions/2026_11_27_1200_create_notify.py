"""create the in-app feed and the bus tables

Revision ID: 0001_notify
Revises:
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_bus.migration_ops import create_bus_tables, drop_bus_tables
from kit_db import UTCDateTime

revision: str = "0001_notify"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "feed_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feed_item"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_feed_item_user_id"),
    )
    op.create_index("ix_feed_item_user_id_created_at", "feed_item", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_feed_item_user_id_created_at", table_name="feed_item")
    op.drop_table("feed_item")
    drop_bus_tables()
