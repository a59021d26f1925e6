"""The event bus: transactional outbox and relay, idempotent inbox, dead letters, Kafka and in-process."""

from . import outbox
from .bus import EventBus, Sink
from .consumer import Batched, Consumer, Handler, PermanentError, RetryPolicy
from .envelope import Envelope, MalformedEnvelope, Record
from .kafka import KafkaBus
from .local import LocalBus
from .metrics import BusCollector
from .relay import OutboxRelay
from .runtime import Runtime, Worker, make_bus, open_runtime
from .tables import dead_letter, inbox
from .tables import metadata as bus_metadata
from .tables import outbox as outbox_table

__all__ = [
    "Batched",
    "BusCollector",
    "Consumer",
    "Envelope",
    "EventBus",
    "Handler",
    "KafkaBus",
    "LocalBus",
    "MalformedEnvelope",
    "OutboxRelay",
    "PermanentError",
    "Record",
    "RetryPolicy",
    "Runtime",
    "Sink",
    "Worker",
    "bus_metadata",
    "dead_letter",
    "inbox",
    "make_bus",
    "open_runtime",
    "outbox",
    "outbox_table",
]
