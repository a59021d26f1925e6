"""create agency replica, users and the bus tables

Revision ID: 0001_identity
Revises:
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_bus.migration_ops import create_bus_tables, drop_bus_tables
from kit_db import UTCDateTime

revision: str = "0001_identity"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "agency",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(13), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_agency_code", "agency", ["code"])
    op.create_table(
        "agency_change",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.Identity(), primary_key=True
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column(
            "agency_id",
            sa.Uuid(),
            sa.ForeignKey("agency.id", name="fk_agency_change_agency_id_agency"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_agency_change_event_id", "agency_change", ["event_id"])
    op.create_index("ix_agency_change_agency_id", "agency_change", ["agency_id"])
    op.create_table(
        "user_account",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.String(255), nullable=False),
        sa.Column(
            "agency_id",
            sa.Uuid(),
            sa.ForeignKey("agency.id", name="fk_user_account_agency_id_agency"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_user_account_agency_id", "user_account", ["agency_id"])


def downgrade() -> None:
    op.drop_table("user_account")
    op.drop_table("agency_change")
    op.drop_table("agency")
    drop_bus_tables()
