"""The connector to the national document axis (Trục liên thông văn bản quốc gia)."""

from .client import (
    AxisAgency,
    AxisClient,
    ReceivedItem,
    RetryPolicy,
    SendReceipt,
    SentItem,
    SentRecipient,
    TransportStatus,
)
from .exceptions import AxisError, AxisRefused, AxisUnavailable, PackageTooLarge

__all__ = [
    "AxisAgency",
    "AxisClient",
    "AxisError",
    "AxisRefused",
    "AxisUnavailable",
    "PackageTooLarge",
    "ReceivedItem",
    "RetryPolicy",
    "SendReceipt",
    "SentItem",
    "SentRecipient",
    "TransportStatus",
]
