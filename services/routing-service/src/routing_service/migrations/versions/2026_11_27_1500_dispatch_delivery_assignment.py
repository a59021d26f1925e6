"""dispatch and delivery: issued-document replica, dispatches, deliveries, status trail, assignments

Revision ID: 0003_dispatch
Revises: 0002_directory
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0003_dispatch"
down_revision: str | None = "0002_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET statement_timeout = '60s'")
    op.create_table(
        "issued_document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.String(100), nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("recalled_at", UTCDateTime(), nullable=True),
        sa.Column("recall_reason", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_issued_document"),
    )
    op.create_index("ix_issued_document_org_id", "issued_document", ["org_id"])
    op.create_table(
        "dispatch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.String(100), nullable=False),
        sa.Column("sender_org_id", sa.Uuid(), nullable=False),
        sa.Column("parent_delivery_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issued_document.id"], name="fk_dispatch_document_id_issued_document"
        ),
        sa.ForeignKeyConstraint(["sender_org_id"], ["org.id"], name="fk_dispatch_sender_org_id_org"),
        sa.UniqueConstraint("sender_org_id", "idempotency_key", name="uq_dispatch_sender_org_id"),
    )
    op.create_index("ix_dispatch_document_id", "dispatch", ["document_id"])
    op.create_index("ix_dispatch_sender_org_id", "dispatch", ["sender_org_id"])
    op.create_index("ix_dispatch_parent_delivery_id", "dispatch", ["parent_delivery_id"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dispatch_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_org_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_code", sa.String(13), nullable=False),
        sa.Column("external", sa.Boolean(), nullable=False),
        sa.Column("business_type", sa.String(1), nullable=False),
        sa.Column("revokes_delivery_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("transport", sa.String(16), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(2), nullable=True),
        sa.Column("status_at", UTCDateTime(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery"),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name="fk_delivery_dispatch_id_dispatch"),
        sa.ForeignKeyConstraint(["recipient_org_id"], ["org.id"], name="fk_delivery_recipient_org_id_org"),
        sa.ForeignKeyConstraint(
            ["revokes_delivery_id"], ["delivery.id"], name="fk_delivery_revokes_delivery_id_delivery"
        ),
        sa.UniqueConstraint(
            "dispatch_id", "recipient_org_id", "business_type", name="uq_delivery_dispatch_id"
        ),
    )
    op.create_index("ix_delivery_dispatch_id", "delivery", ["dispatch_id"])
    op.create_index("ix_delivery_recipient_org_id", "delivery", ["recipient_org_id"])
    op.create_index("ix_delivery_revokes_delivery_id", "delivery", ["revokes_delivery_id"])
    op.create_table(
        "delivery_status",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(2), nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_status"),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["delivery.id"], name="fk_delivery_status_delivery_id_delivery"
        ),
    )
    op.create_index("ix_delivery_status_delivery_id", "delivery_status", ["delivery_id"])
    op.create_table(
        "assignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(2000), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("assigned_by", sa.Uuid(), nullable=True),
        sa.Column("assigned_by_name", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("overdue_notified_at", UTCDateTime(), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("requested_deadline", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.String(1000), nullable=True),
        sa.Column("extension_requested_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assignment"),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], name="fk_assignment_delivery_id_delivery"),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_assignment_org_id_org"),
        sa.UniqueConstraint("delivery_id", name="uq_assignment_delivery_id"),
    )
    op.create_index("ix_assignment_org_id", "assignment", ["org_id"])
    op.create_index("ix_assignment_assigned_by", "assignment", ["assigned_by"])
    op.create_table(
        "assignment_member",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "target_id", name="pk_assignment_member"),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name="fk_assignment_member_assignment_id_assignment",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_assignment_member_target_id", "assignment_member", ["target_id"])


def downgrade() -> None:
    op.drop_table("assignment_member")
    op.drop_table("assignment")
    op.drop_table("delivery_status")
    op.drop_table("delivery")
    op.drop_table("dispatch")
    op.drop_table("issued_document")
