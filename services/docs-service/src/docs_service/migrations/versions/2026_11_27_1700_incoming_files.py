"""incoming files: what an incoming copy's sender attached that the blob store does not hold

Revision ID: 0006_incoming_files
Revises: 0005_signatures
Create Date: 2026-11-27 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_incoming_files"
down_revision: str | None = "0005_signatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET lock_timeout = '5s'")
        op.execute("SET statement_timeout = '60s'")
    op.add_column("document", sa.Column("missing_files", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("document", "missing_files")
