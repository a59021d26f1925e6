"""the per-IP layer of the login lockouts: failures per client address per minute

Revision ID: 0003_login_ip_failures
Revises: 0002_login_tokens
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0003_login_ip_failures"
down_revision: str | None = "0002_login_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = '60s'")
    op.create_table(
        "login_ip_failure",
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("bucket", UTCDateTime(), nullable=False),
        sa.Column("failures", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("ip", "bucket", name="pk_login_ip_failure"),
    )


def downgrade() -> None:
    op.drop_table("login_ip_failure")
