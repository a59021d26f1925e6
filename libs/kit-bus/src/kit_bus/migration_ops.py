"""Alembic operations that create the bus tables, for each service's first migration."""

from __future__ import annotations

from alembic import op

from .tables import NOTIFY_CHANNEL, dead_letter, inbox, outbox


def create_bus_tables() -> None:
    bind = op.get_bind()
    for table in (outbox, inbox, dead_letter):
        table.create(bind)
    if bind.dialect.name == "postgresql":
        # A statement-level trigger: one NOTIFY per inserting statement, delivered at commit,
        # so the relay wakes when (and only when) new events are visible.
        op.execute(f"""
            CREATE OR REPLACE FUNCTION kit_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$;
        """)
        op.execute("""
            CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
            FOR EACH STATEMENT EXECUTE FUNCTION kit_outbox_notify();
        """)


def drop_bus_tables() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP FUNCTION IF EXISTS kit_outbox_notify()")
    for table in (dead_letter, inbox, outbox):
        table.drop(bind)
