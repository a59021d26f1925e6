"""Every event contract, by CloudEvents type, and the JSON Schema files generated from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from .base import Event
from .docs import (
    DocumentApproved,
    DocumentCreated,
    DocumentIssued,
    DocumentRecalled,
    DocumentReplaced,
    DocumentSigned,
    DocumentSubmitted,
    IncomingReceived,
    IncomingRegistered,
    IncomingReturned,
)
from .egov import ExternalStatusReceived, ExternalTransportChanged, InboundDocumentReceived
from .identity import AuthEventRecorded, UserCreated, UserUpdated
from .notify import NotificationRequested
from .routing import DeliveryCreated, DeliveryStatusChanged, OrgCreated, OrgUpdated

EVENTS: Final[tuple[type[Event], ...]] = (
    OrgCreated,
    OrgUpdated,
    UserCreated,
    UserUpdated,
    AuthEventRecorded,
    NotificationRequested,
    DocumentCreated,
    DocumentSubmitted,
    DocumentApproved,
    DocumentSigned,
    DocumentIssued,
    DocumentRecalled,
    DocumentReplaced,
    IncomingReceived,
    IncomingRegistered,
    IncomingReturned,
    DeliveryCreated,
    DeliveryStatusChanged,
    ExternalTransportChanged,
    ExternalStatusReceived,
    InboundDocumentReceived,
)
BY_TYPE: Final[dict[str, type[Event]]] = {e.event_type: e for e in EVENTS}


def render_schema(event: type[Event]) -> str:
    return json.dumps(event.json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for event in EVENTS:
        path = folder / f"{event.event_type}.json"
        path.write_text(render_schema(event), encoding="utf-8")
        written.append(path)
    return written
