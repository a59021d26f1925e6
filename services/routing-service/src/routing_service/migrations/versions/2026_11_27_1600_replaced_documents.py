"""issued_document.replaced_by_id: a replaced document is not dispatched again

Revision ID: 0004_replaced
Revises: 0003_dispatch
Create Date: 2026-11-27 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_replaced"
down_revision: str | None = "0003_dispatch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET statement_timeout = '60s'")
    # Nullable, no default: a catalogue-only change on PostgreSQL, no table rewrite.
    op.add_column("issued_document", sa.Column("replaced_by_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("issued_document", "replaced_by_id")
