"""memberships and roles, passwords, second factors, login challenges, sessions and refresh
tokens, lockouts, signing keys, the hash-chained auth audit log

Revision ID: 0002_login_tokens
Revises: 0001_identity
Create Date: 2026-11-27 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0002_login_tokens"
down_revision: str | None = "0001_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger()
GENESIS = "0" * 64


def fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = '60s'")

    # Existing table: only nullable columns, or NOT NULL with a constant default (no rewrite).
    op.add_column("user_account", sa.Column("email", sa.String(254), nullable=True))
    op.add_column("user_account", sa.Column("phone", sa.String(16), nullable=True))
    op.add_column("user_account", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("user_account", sa.Column("password_hash", sa.String(255), nullable=True))
    op.add_column("user_account", sa.Column("password_changed_at", UTCDateTime(), nullable=True))
    op.add_column("user_account", sa.Column("updated_at", UTCDateTime(), nullable=True))

    op.create_table(
        "membership",
        sa.Column("user_id", sa.Uuid(), fk("membership", "user_id", "user_account"), nullable=False),
        sa.Column("agency_id", sa.Uuid(), fk("membership", "agency_id", "agency"), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "agency_id", "role", name="pk_membership"),
    )
    op.create_index("ix_membership_agency_id", "membership", ["agency_id"])
    # Users created before roles existed act for their agency as specialists.
    op.execute(
        "INSERT INTO membership (user_id, agency_id, role, granted_at) "
        "SELECT id, agency_id, 'specialist', created_at FROM user_account"
    )

    op.create_table(
        "totp_factor",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("totp_factor", "user_id", "user_account"), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("algorithm", sa.String(8), nullable=False),
        sa.Column("digits", BIGINT, nullable=False),
        sa.Column("period", BIGINT, nullable=False),
        sa.Column("last_used_step", BIGINT, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("challenge_id", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_totp_factor_user_id", "totp_factor", ["user_id"])

    op.create_table(
        "backup_code",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("backup_code", "user_id", "user_account"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("user_id", "code_hash", name="uq_backup_code_user_id"),
    )

    op.create_table(
        "login_challenge",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("login_challenge", "user_id", "user_account"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", BIGINT, nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_login_challenge_user_id", "login_challenge", ["user_id"])

    op.create_table(
        "auth_session",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("auth_session", "user_id", "user_account"), nullable=False),
        sa.Column("agency_id", sa.Uuid(), fk("auth_session", "agency_id", "agency"), nullable=False),
        sa.Column("amr", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("refreshed_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
    )
    op.create_index("ix_auth_session_user_id", "auth_session", ["user_id"])

    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Uuid(),
            sa.ForeignKey("auth_session.id", name="fk_refresh_token_session_id_auth_session"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_refresh_token_token_hash"),
    )
    op.create_index("ix_refresh_token_session_id", "refresh_token", ["session_id"])

    op.create_table(
        "password_reset",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), fk("password_reset", "user_id", "user_account"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_password_reset_token_hash"),
    )
    op.create_index("ix_password_reset_user_id", "password_reset", ["user_id"])

    op.create_table(
        "account_lockout",
        sa.Column("user_id", sa.Uuid(), fk("account_lockout", "user_id", "user_account"), primary_key=True),
        sa.Column("failed_count", BIGINT, nullable=False),
        sa.Column("lockouts", BIGINT, nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("last_failure_at", UTCDateTime(), nullable=True),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
    )

    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
    )

    op.create_table(
        "auth_audit",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.Identity(), primary_key=True
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_auth_audit_user_id_occurred_at", "auth_audit", ["user_id", "occurred_at"])
    head = op.create_table(
        "auth_audit_head",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=False),
        sa.Column("last_id", BIGINT, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "hash": GENESIS}])


def downgrade() -> None:
    for table in (
        "auth_audit_head",
        "auth_audit",
        "signing_key",
        "account_lockout",
        "password_reset",
        "refresh_token",
        "auth_session",
        "login_challenge",
        "backup_code",
        "totp_factor",
        "membership",
    ):
        op.drop_table(table)
    with op.batch_alter_table("user_account") as batch:
        for column in ("updated_at", "password_changed_at", "password_hash", "active", "phone", "email"):
            batch.drop_column(column)
