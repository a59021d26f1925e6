from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kit_contracts import BusinessType, DocumentSummary, StatusCode, Urgency


class Transport(StrEnum):
    """How far the package travelled, kept apart from the recipient's business status (DOMAIN §1.8)."""

    PENDING = "pending"  # announced, not yet picked up by the recipient side
    SENT = "sent"  # the recipient side has it (a status came back)
    FAILED = "failed"  # not picked up in time; announced again
    FINALLY_FAILED = "finally_failed"  # given up after the last attempt; the sender is told


STATUS_NAMES: Final[dict[StatusCode, str]] = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REFUSED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.COMPLETED: "Hoàn thành",
    StatusCode.RECALL_ACCEPTED: "Đồng ý thu hồi",
    StatusCode.RECALL_REFUSED: "Từ chối thu hồi",
}


class TrailEntry(BaseModel):
    code: StatusCode
    name: str = Field(description="the status as officials read it, e.g. Đã tiếp nhận")
    note: str | None
    actor_id: UUID | None
    actor_name: str | None
    occurred_at: datetime


class Delivery(BaseModel):
    id: UUID
    dispatch_id: UUID
    recipient_org_id: UUID
    recipient_code: str
    recipient_name: str
    external: bool = Field(description="reached through the national axis (egov-gateway)")
    business_type: BusinessType
    revokes_delivery_id: UUID | None = Field(description="a recall: the delivery it revokes")
    note: str | None
    transport: Transport
    attempts: int
    status: StatusCode | None = Field(description="the latest business status; none before 01")
    status_name: str | None
    status_at: datetime | None
    deadline: date | None = Field(description="the assignment's deadline, else the document's hạn xử lý")
    overdue: bool = Field(description="deadline passed and not completed")
    created_at: datetime
    trail: list[TrailEntry]


class DeliveryDetail(Delivery):
    """A delivery as its sender or its recipient reads it, with the document it carries."""

    sender_org_id: UUID
    sender_code: str
    sender_name: str
    parent_delivery_id: UUID | None = Field(description="set on a forward: the delivery it passes on")
    document: DocumentSummary


class RecallAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool = Field(description="true: 15 Đồng ý thu hồi; false: 16 Từ chối thu hồi")
    note: str | None = Field(default=None, max_length=1000)


class InboxFilter(BaseModel):
    """Query parameters of the inbox; every one narrows it."""

    status: StatusCode | None = None
    no_status: bool = Field(default=False, description="only deliveries with no status yet")
    urgency: Urgency | None = None
    sender_org_id: UUID | None = None
    since: date | None = Field(default=None, description="arrived on or after this day (Vietnam time)")
    until: date | None = Field(default=None, description="arrived on or before this day (Vietnam time)")
    overdue: bool = Field(default=False, description="only deadline passed and not completed")


class InboxCounts(BaseModel):
    total: int = Field(description="documents received (recalls not counted)")
    new: int = Field(description="not yet registered: no status, or 01")
    urgent: int = Field(description="new and Khẩn, Thượng khẩn or Hỏa tốc")
    overdue: int
