"""Event contracts shared by every service: pydantic models, one per type and version."""

from . import topics
from .base import Event
from .docs import (
    Confidentiality,
    DocumentApproved,
    DocumentCreated,
    DocumentEvent,
    DocumentIssued,
    DocumentRecalled,
    DocumentReplaced,
    DocumentSigned,
    DocumentSubmitted,
    DocumentSummary,
    FileRef,
    IncomingReceived,
    IncomingRegistered,
    IncomingReturned,
    Urgency,
)
from .egov import ExternalStatusReceived, ExternalTransportChanged, InboundDocumentReceived
from .identity import AuthEventRecorded, Membership, UserCreated, UserUpdated
from .notify import NotificationRequested
from .registry import BY_TYPE, EVENTS
from .routing import (
    BusinessType,
    DeliveryCreated,
    DeliveryStatusChanged,
    OrgCreated,
    OrgUpdated,
    StatusCode,
    Tier,
)

__all__ = [
    "BY_TYPE",
    "EVENTS",
    "AuthEventRecorded",
    "BusinessType",
    "Confidentiality",
    "DeliveryCreated",
    "DeliveryStatusChanged",
    "DocumentApproved",
    "DocumentCreated",
    "DocumentEvent",
    "DocumentIssued",
    "DocumentRecalled",
    "DocumentReplaced",
    "DocumentSigned",
    "DocumentSubmitted",
    "DocumentSummary",
    "Event",
    "ExternalStatusReceived",
    "ExternalTransportChanged",
    "FileRef",
    "InboundDocumentReceived",
    "IncomingReceived",
    "IncomingRegistered",
    "IncomingReturned",
    "Membership",
    "NotificationRequested",
    "OrgCreated",
    "OrgUpdated",
    "StatusCode",
    "Tier",
    "Urgency",
    "UserCreated",
    "UserUpdated",
    "topics",
]
