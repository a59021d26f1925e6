"""Events published by egov-gateway about packages exchanged with the national document axis.

Outbound: each delivery to an external agency becomes one edXML package; its transport state
(sent, failed and retried, finally failed) is reported by ``ExternalTransportChanged``; the
business statuses the recipient sends back (01 to 06, 15, 16) by ``ExternalStatusReceived``.
Inbound: a document package for one of our agencies is announced by ``InboundDocumentReceived``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from . import topics
from .base import Event
from .docs import DocumentSummary
from .routing import BusinessType, StatusCode


class ExternalTransportChanged(Event):
    event_type: ClassVar[str] = "egov.transport.changed.v1"
    topic: ClassVar[str] = topics.EGOV_PACKAGE

    delivery_id: UUID = Field(description="routing's delivery the package carries")
    package_id: UUID
    state: str = Field(pattern="^(sent|failed|finally_failed)$")
    attempts: int = Field(ge=0)
    detail: str | None = Field(default=None, max_length=1000)
    occurred_at: datetime

    def subject(self) -> str:
        return str(self.delivery_id)


class ExternalStatusReceived(Event):
    """A status package from an external recipient, matched to the delivery it answers."""

    event_type: ClassVar[str] = "egov.status.received.v1"
    topic: ClassVar[str] = topics.EGOV_PACKAGE

    delivery_id: UUID | None = Field(default=None, description="none when no delivery of ours matches")
    package_id: UUID
    exchange_id: str = Field(max_length=100, description="ResponseFor's DocumentId, verbatim")
    from_org_code: str = Field(max_length=13)
    status: StatusCode
    description: str | None = Field(default=None, max_length=1000)
    staff: str | None = Field(default=None, max_length=100)
    occurred_at: datetime = Field(description="the package's Timestamp")

    def subject(self) -> str:
        return str(self.delivery_id or self.package_id)


class InboundDocumentReceived(Event):
    """A document package from an external sender for one of our agencies (stored as evidence)."""

    event_type: ClassVar[str] = "egov.inbound.received.v1"
    topic: ClassVar[str] = topics.EGOV_PACKAGE

    package_id: UUID
    sender_org_code: str = Field(max_length=13)
    recipient_org_code: str = Field(max_length=13)
    business_type: BusinessType = BusinessType.NEW
    document: DocumentSummary
    signature: str = Field(pattern="^(valid|invalid|missing)$", description="the package signature check")
    signature_detail: str | None = Field(default=None, max_length=1000)
    received_at: datetime
    note: str | None = Field(
        default=None,
        max_length=1000,
        description="the sender's reason (Bussiness/BussinessDocReason), e.g. why a document is recalled",
    )

    def subject(self) -> str:
        return str(self.package_id)
