"""Event contracts shared by every service: pydantic models, one per type and version."""

from . import topics
from .base import Event
from .identity import AuthEventRecorded, UserCreated
from .notify import NotificationRequested
from .registry import BY_TYPE, EVENTS
from .routing import OrgCreated, OrgUpdated, Tier

__all__ = [
    "BY_TYPE",
    "EVENTS",
    "AuthEventRecorded",
    "Event",
    "NotificationRequested",
    "OrgCreated",
    "OrgUpdated",
    "Tier",
    "UserCreated",
    "topics",
]
