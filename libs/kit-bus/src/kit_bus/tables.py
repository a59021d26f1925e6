"""The bus's own tables, present in every service's database (each service migrates its own copy).

- ``outbox``: events written in the same transaction as the change they describe; the relay
  publishes them and stamps ``published_at`` after the broker acknowledged.
- ``inbox``: one row per (consumer, event id) applied, written in the handler's transaction,
  so a redelivered event is recognised and skipped.
- ``dead_letter``: events a consumer could not apply, with the reason, kept until replayed.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from kit_db import UTCDateTime, new_metadata

metadata = new_metadata()

outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("type", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("traceparent", String(55), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Index(
        "ix_outbox_unpublished",
        "seq",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=True),
    Column("offset", BigInteger, nullable=True),
    Column("processed_at", UTCDateTime, nullable=False),
)

dead_letter = Table(
    "dead_letter",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(100), nullable=True),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=True),
    Column("offset", BigInteger, nullable=True),
    Column("key", String(200), nullable=True),
    Column("headers", JSON, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
    Column("replayed_at", UTCDateTime, nullable=True),
    Index(
        "ix_dead_letter_pending",
        "consumer",
        "failed_at",
        postgresql_where=text("replayed_at IS NULL"),
        sqlite_where=text("replayed_at IS NULL"),
    ),
)

NOTIFY_CHANNEL = "kit_outbox"
