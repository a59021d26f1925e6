"""Who produces and who consumes each event: the wiring the AsyncAPI document shows.

``tests/architecture`` checks it against the code (each service's handlers and the events its
sources put in the outbox), so this table cannot silently go stale.
"""

from __future__ import annotations

from typing import Final

from .base import Event
from .identity import AuthEventRecorded, UserCreated
from .notify import NotificationRequested
from .routing import OrgCreated, OrgUpdated

DIRECTORY_REPLICAS: Final = frozenset({"identity-service", "docs-service", "egov-gateway"})

PRODUCED_BY: Final[dict[type[Event], frozenset[str]]] = {
    OrgCreated: frozenset({"routing-service"}),
    OrgUpdated: frozenset({"routing-service"}),
    UserCreated: frozenset({"identity-service"}),
    AuthEventRecorded: frozenset({"identity-service"}),
    NotificationRequested: frozenset({"identity-service"}),
}

CONSUMED_BY: Final[dict[type[Event], frozenset[str]]] = {
    OrgCreated: DIRECTORY_REPLICAS,
    OrgUpdated: DIRECTORY_REPLICAS,
    UserCreated: frozenset(),
    AuthEventRecorded: frozenset(),  # for a security dashboard or SIEM export, later
    NotificationRequested: frozenset({"notify-service"}),
}
