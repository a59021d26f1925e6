from .base import Base
from .feed_item import FeedItem
from .notification import Channel, Delivery, DeliveryAttempt, DeliveryStatus, Notification
from .preference import Preference, QuietHours
from .template import Template
from .user import User, UserRole
from .webhook import SubscriptionStatus, WebhookDelivery, WebhookSubscription
from .work_item import DigestSent, WorkItem

__all__ = [
    "Base",
    "Channel",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "DigestSent",
    "FeedItem",
    "Notification",
    "Preference",
    "QuietHours",
    "SubscriptionStatus",
    "Template",
    "User",
    "UserRole",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkItem",
]
