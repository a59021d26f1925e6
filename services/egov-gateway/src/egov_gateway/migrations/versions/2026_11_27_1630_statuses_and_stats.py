"""status reports sent back through the axis, and the facts behind the Government-portal statistics

Revision ID: 0003_stats
Revises: 0002_exchange
Create Date: 2026-11-27 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0003_stats"
down_revision: str | None = "0002_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET statement_timeout = '60s'")
    op.create_table(
        "status_report",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(2), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", "status", name="pk_status_report"),
        sa.UniqueConstraint("package_id", name="uq_status_report_package_id"),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["exchange_package.id"],
            name="fk_status_report_package_id_exchange_package",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "stats_delivery",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("sender_org_id", sa.Uuid(), nullable=False),
        sa.Column("sender_code", sa.String(13), nullable=False),
        sa.Column("recipient_org_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_code", sa.String(13), nullable=False),
        sa.Column("outbound_axis", sa.Boolean(), nullable=False),
        sa.Column("inbound_axis", sa.Boolean(), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_stats_delivery"),
    )
    op.create_index("ix_stats_delivery_month", "stats_delivery", ["month"])
    op.create_index("ix_stats_delivery_sender_org_id", "stats_delivery", ["sender_org_id"])
    op.create_index("ix_stats_delivery_recipient_org_id", "stats_delivery", ["recipient_org_id"])
    op.create_table(
        "stats_completion",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_stats_completion"),
    )
    op.create_table(
        "stats_publication",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "month", name="pk_stats_publication"),
    )


def downgrade() -> None:
    op.drop_table("stats_publication")
    op.drop_table("stats_completion")
    op.drop_index("ix_stats_delivery_recipient_org_id", table_name="stats_delivery")
    op.drop_index("ix_stats_delivery_sender_org_id", table_name="stats_delivery")
    op.drop_index("ix_stats_delivery_month", table_name="stats_delivery")
    op.drop_table("stats_delivery")
    op.drop_table("status_report")
