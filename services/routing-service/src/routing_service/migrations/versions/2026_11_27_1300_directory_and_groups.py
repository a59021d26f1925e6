"""agency directory: QĐ 20 code, raw code, contacts, search text; recipient groups

Revision ID: 0002_directory
Revises: 0001_routing
Create Date: 2026-11-27 13:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from kit_db import UTCDateTime

revision: str = "0002_directory"
down_revision: str | None = "0001_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _fold(text: str) -> str:
    # A frozen copy of routing_service.org.schemas.fold: a migration must not change when the app does.
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def upgrade() -> None:
    # Part of this revision runs outside a transaction (the concurrent index), so on PostgreSQL every
    # statement may be run again after a failure part way (IF NOT EXISTS; SQLite has no such form).
    robust = True if _postgres() else None
    if _postgres():
        op.execute("SET statement_timeout = '60s'")
    op.add_column("org", sa.Column("code_raw", sa.String(32), nullable=True), if_not_exists=robust)
    op.add_column("org", sa.Column("qd20_code", sa.String(35), nullable=True), if_not_exists=robust)
    op.add_column("org", sa.Column("address", sa.String(500), nullable=True), if_not_exists=robust)
    op.add_column("org", sa.Column("phone", sa.String(32), nullable=True), if_not_exists=robust)
    op.add_column("org", sa.Column("email", sa.String(254), nullable=True), if_not_exists=robust)
    op.add_column("org", sa.Column("website", sa.String(255), nullable=True), if_not_exists=robust)
    op.add_column(
        "org",
        sa.Column("search_text", sa.String(400), nullable=False, server_default=""),
        if_not_exists=robust,
    )
    op.add_column("org", sa.Column("updated_at", UTCDateTime(), nullable=True), if_not_exists=robust)

    op.create_table(
        "recipient_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(32), nullable=True),
        sa.Column("node_id", sa.Uuid(), nullable=True),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recipient_group"),
        sa.ForeignKeyConstraint(["owner_id"], ["org.id"], name="fk_recipient_group_owner_id_org"),
        sa.ForeignKeyConstraint(["node_id"], ["org.id"], name="fk_recipient_group_node_id_org"),
        sa.UniqueConstraint("owner_id", "name", name="uq_recipient_group_owner_id"),
        if_not_exists=robust,
    )
    op.create_index("ix_recipient_group_owner_id", "recipient_group", ["owner_id"], if_not_exists=robust)
    op.create_index("ix_recipient_group_node_id", "recipient_group", ["node_id"], if_not_exists=robust)
    op.create_table(
        "recipient_group_member",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "org_id", name="pk_recipient_group_member"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["recipient_group.id"],
            name="fk_recipient_group_member_group_id_recipient_group",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_recipient_group_member_org_id_org"),
        if_not_exists=robust,
    )
    op.create_index(
        "ix_recipient_group_member_org_id", "recipient_group_member", ["org_id"], if_not_exists=robust
    )

    if not context.is_offline_mode():
        _backfill_search_text()

    if _postgres():
        # org is live: build the unique index without blocking writers, outside the transaction.
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_org_qd20_code",
                "org",
                ["qd20_code"],
                unique=True,
                postgresql_concurrently=True,
                if_not_exists=True,
            )
    else:
        op.create_index("ix_org_qd20_code", "org", ["qd20_code"], unique=True)


def _backfill_search_text() -> None:
    org = sa.table(
        "org",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("short_name", sa.String()),
        sa.column("search_text", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(org.c.id, org.c.code, org.c.name, org.c.short_name)).all()
    for row in rows:
        text = _fold(" ".join(part for part in (row.name, row.short_name, row.code) if part))
        bind.execute(sa.update(org).where(org.c.id == row.id).values(search_text=text))


def downgrade() -> None:
    if _postgres():
        with op.get_context().autocommit_block():
            op.drop_index("ix_org_qd20_code", table_name="org", postgresql_concurrently=True)
    else:
        op.drop_index("ix_org_qd20_code", table_name="org")
    op.drop_table("recipient_group_member")
    op.drop_table("recipient_group")
    with op.batch_alter_table("org") as batch:
        for column in (
            "updated_at",
            "search_text",
            "website",
            "email",
            "phone",
            "address",
            "qd20_code",
            "code_raw",
        ):
            batch.drop_column(column)
