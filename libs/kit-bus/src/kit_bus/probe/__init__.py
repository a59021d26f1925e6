"""A probe for tests and benchmarks: an event that belongs to no service, the table its consumer
appends to, and migrations that build that table beside the bus tables."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar
from uuid import UUID

from sqlalchemy import Column, Integer, String, Table, Uuid

from kit_contracts import Event
from kit_db import new_metadata

MIGRATIONS = Path(__file__).parent / "migrations"
PROBE_TOPIC = "test.probe.v1"

metadata = new_metadata()
# No unique key on event_id on purpose: only the inbox stands between a redelivery and a second row.
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("probe_id", Uuid, nullable=False),
    Column("note", String(200), nullable=False),
)


class ProbeEmitted(Event):
    event_type: ClassVar[str] = "test.probe.emitted.v1"
    topic: ClassVar[str] = PROBE_TOPIC

    probe_id: UUID
    note: str = ""
    sent_at_ns: int = 0

    def subject(self) -> str:
        return str(self.probe_id)
