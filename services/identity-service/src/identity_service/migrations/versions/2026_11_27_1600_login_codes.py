"""one-time login codes sent by SMS or e-mail

Revision ID: 0005_login_codes
Revises: 0004_api_clients
Create Date: 2026-11-27 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0005_login_codes"
down_revision: str | None = "0004_api_clients"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = '60s'")
    op.create_table(
        "login_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("challenge_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("sent_to", sa.String(254), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("superseded_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"], ["login_challenge.id"], name="fk_login_code_challenge_id_login_challenge"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_login_code_user_id_user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_login_code"),
    )
    op.create_index("ix_login_code_challenge_id", "login_code", ["challenge_id"])
    op.create_index("ix_login_code_user_id", "login_code", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_login_code_user_id", table_name="login_code")
    op.drop_index("ix_login_code_challenge_id", table_name="login_code")
    op.drop_table("login_code")
