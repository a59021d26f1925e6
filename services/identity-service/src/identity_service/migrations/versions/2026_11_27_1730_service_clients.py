"""service clients: a machine client of the installation itself (egov-gateway) belongs to no agency

Revision ID: 0006_service_clients
Revises: 0005_login_codes
Create Date: 2026-11-27 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_service_clients"
down_revision: str | None = "0005_login_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = '60s'")
        # Dropping NOT NULL is a catalogue change (no rewrite, no scan). squawk warns that old readers
        # may not expect NULL: every reader of agency_id (client schema, token grant, management)
        # handles a service client's NULL in this same release, and none exists before it runs.
        op.execute(
            "-- squawk-ignore ban-drop-not-null\nALTER TABLE api_client ALTER COLUMN agency_id DROP NOT NULL"
        )
        return
    with op.batch_alter_table("api_client") as batch:
        batch.alter_column("agency_id", existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM api_client WHERE agency_id IS NULL")
    with op.batch_alter_table("api_client") as batch:
        batch.alter_column("agency_id", existing_type=sa.Uuid(), nullable=False)
