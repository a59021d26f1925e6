"""Events published by routing-service: the agency directory, and deliveries with their status trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from . import topics
from .base import Event
from .docs import DocumentSummary


class Tier(StrEnum):
    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class OrgCreated(Event):
    event_type: ClassVar[str] = "routing.org.created.v1"
    topic: ClassVar[str] = topics.ROUTING_ORG

    org_id: UUID
    code: str = Field(max_length=13, description="QCVN 102 agency code, e.g. 000.00.00.H42")
    name: str = Field(max_length=255)
    short_name: str | None = Field(default=None, max_length=50)
    tier: Tier
    parent_id: UUID | None = None
    external: bool = Field(default=False, description="reached through the national axis, not served here")
    active: bool = True
    qd20_code: str | None = Field(
        default=None, max_length=35, description="QĐ 20/2020 agency code (level 1 on the left), e.g. G09.20"
    )

    def subject(self) -> str:
        return str(self.org_id)


class OrgUpdated(Event):
    event_type: ClassVar[str] = "routing.org.updated.v1"
    topic: ClassVar[str] = topics.ROUTING_ORG

    org_id: UUID
    code: str = Field(max_length=13)
    name: str = Field(max_length=255)
    short_name: str | None = Field(default=None, max_length=50)
    tier: Tier
    parent_id: UUID | None = None
    external: bool = False
    active: bool = True
    qd20_code: str | None = Field(default=None, max_length=35)

    def subject(self) -> str:
        return str(self.org_id)


class BusinessType(StrEnum):
    """edXML BussinessDocType: what a delivery carries."""

    NEW = "0"  # văn bản mới
    REVOKE = "1"  # thu hồi
    UPDATE = "2"  # cập nhật
    REPLACE = "3"  # thay thế


class StatusCode(StrEnum):
    """edXML business status codes (QCVN 102:2016) a recipient reports back to the sender."""

    ARRIVED = "01"  # Đã đến
    REFUSED = "02"  # Từ chối tiếp nhận (reason mandatory)
    ACCEPTED = "03"  # Đã tiếp nhận (registered)
    ASSIGNED = "04"  # Phân công
    PROCESSING = "05"  # Đang xử lý
    COMPLETED = "06"  # Hoàn thành
    RECALL_ACCEPTED = "15"  # Đồng ý thu hồi
    RECALL_REFUSED = "16"  # Từ chối thu hồi


class DeliveryCreated(Event):
    """One recipient of a dispatch: local ones are picked up by docs-service, external ones by egov-gateway."""

    event_type: ClassVar[str] = "routing.delivery.created.v1"
    topic: ClassVar[str] = topics.ROUTING_DELIVERY

    delivery_id: UUID
    dispatch_id: UUID
    parent_delivery_id: UUID | None = Field(
        default=None, description="set when a recipient forwarded what it received down its subtree"
    )
    business_type: BusinessType = BusinessType.NEW
    sender_org_id: UUID
    sender_org_code: str = Field(max_length=13)
    recipient_org_id: UUID
    recipient_org_code: str = Field(max_length=13)
    recipient_external: bool = Field(description="reached through the national axis (egov-gateway), not here")
    document: DocumentSummary
    note: str | None = Field(
        default=None, max_length=1000, description="the reason of a recall, update or replace"
    )
    created_at: datetime

    def subject(self) -> str:
        return str(self.delivery_id)


class DeliveryStatusChanged(Event):
    """A new entry of a delivery's status trail; it travels back to the sender."""

    event_type: ClassVar[str] = "routing.delivery.status-changed.v1"
    topic: ClassVar[str] = topics.ROUTING_DELIVERY

    delivery_id: UUID
    dispatch_id: UUID
    document_id: UUID = Field(description="the sender's document")
    exchange_id: str = Field(max_length=100)
    sender_org_id: UUID
    recipient_org_id: UUID
    recipient_org_code: str = Field(max_length=13)
    status: StatusCode
    note: str | None = Field(default=None, max_length=1000)
    actor_id: UUID | None = None
    actor_name: str | None = Field(default=None, max_length=100)
    occurred_at: datetime

    def subject(self) -> str:
        return str(self.delivery_id)
