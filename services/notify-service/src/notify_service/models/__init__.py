from .base import Base
from .feed_item import FeedItem
from .notification import Channel, Delivery, DeliveryAttempt, DeliveryStatus, Notification
from .preference import Preference, QuietHours
from .template import Template
from .user import User, UserRole

__all__ = [
    "Base",
    "Channel",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "FeedItem",
    "Notification",
    "Preference",
    "QuietHours",
    "Template",
    "User",
    "UserRole",
]
