"""Who produces and who consumes each event: the wiring the AsyncAPI document shows.

``tests/architecture`` checks it against the code (each service's handlers and the events its
sources put in the outbox), so this table cannot silently go stale.
"""

from __future__ import annotations

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

DIRECTORY_REPLICAS: Final = frozenset({"identity-service", "docs-service", "egov-gateway"})
NONE: Final[frozenset[str]] = frozenset()

PRODUCED_BY: Final[dict[type[Event], frozenset[str]]] = {
    OrgCreated: frozenset({"routing-service"}),
    OrgUpdated: frozenset({"routing-service"}),
    UserCreated: frozenset({"identity-service"}),
    UserUpdated: frozenset({"identity-service"}),
    AuthEventRecorded: frozenset({"identity-service"}),
    NotificationRequested: frozenset({"identity-service", "docs-service", "routing-service"}),
    DocumentCreated: frozenset({"docs-service"}),
    DocumentSubmitted: frozenset({"docs-service"}),
    DocumentApproved: frozenset({"docs-service"}),
    DocumentSigned: frozenset({"docs-service"}),
    DocumentIssued: frozenset({"docs-service"}),
    DocumentRecalled: frozenset({"docs-service"}),
    DocumentReplaced: frozenset({"docs-service"}),
    IncomingReceived: frozenset({"docs-service"}),
    IncomingRegistered: frozenset({"docs-service"}),
    IncomingReturned: frozenset({"docs-service"}),
    DeliveryCreated: frozenset({"routing-service"}),
    DeliveryStatusChanged: frozenset({"routing-service"}),
    ExternalTransportChanged: frozenset({"egov-gateway"}),
    ExternalStatusReceived: frozenset({"egov-gateway"}),
    InboundDocumentReceived: frozenset({"egov-gateway"}),
}

CONSUMED_BY: Final[dict[type[Event], frozenset[str]]] = {
    OrgCreated: DIRECTORY_REPLICAS,
    OrgUpdated: DIRECTORY_REPLICAS,
    UserCreated: frozenset({"notify-service"}),  # notify keeps who is who: contacts and roles per agency
    UserUpdated: frozenset({"notify-service"}),
    AuthEventRecorded: NONE,  # for a security dashboard or SIEM export, later
    NotificationRequested: frozenset({"notify-service"}),
    # The outgoing lifecycle: audit and partner webhooks will subscribe; no service acts on it yet.
    DocumentCreated: NONE,
    DocumentSubmitted: NONE,
    DocumentApproved: NONE,
    DocumentSigned: NONE,
    DocumentIssued: frozenset({"routing-service", "notify-service"}),  # routing dispatches; partner webhooks
    DocumentRecalled: frozenset({"routing-service"}),  # recall deliveries to every recipient
    DocumentReplaced: frozenset({"routing-service"}),  # type-3 deliveries beside the replaced one's
    IncomingReceived: frozenset({"routing-service"}),  # status 01
    IncomingRegistered: frozenset({"routing-service"}),  # status 03
    IncomingReturned: frozenset({"routing-service"}),  # status 02
    # local recipients: docs-service; external ones: egov-gateway
    DeliveryCreated: frozenset({"docs-service", "egov-gateway"}),
    # egov-gateway: statuses back to axis senders, statistics; notify-service: partner webhooks
    DeliveryStatusChanged: frozenset({"egov-gateway", "notify-service"}),
    # routing turns these into transport states, trail entries and inbound deliveries.
    ExternalTransportChanged: frozenset({"routing-service"}),
    ExternalStatusReceived: frozenset({"routing-service"}),
    InboundDocumentReceived: frozenset({"routing-service"}),
}
