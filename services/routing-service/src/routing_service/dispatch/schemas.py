from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kit_contracts import DocumentSummary
from routing_service.delivery.schemas import Delivery


class Recipients(BaseModel):
    """Who receives: agencies by code, the sender's recipient groups, whole subtrees. Duplicates and
    the sender itself are dropped; each distinct active agency gets one delivery."""

    model_config = ConfigDict(extra="forbid")

    codes: list[str] = Field(
        default_factory=list,
        max_length=5000,
        description="agency codes, QCVN 102 (000.00.15.H42 or 00.15.H42) or QĐ 20/2020",
    )
    group_ids: list[UUID] = Field(
        default_factory=list, max_length=100, description="recipient groups of the sending agency"
    )
    subtrees: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="an agency (by code or id) and every active agency below it",
    )

    @model_validator(mode="after")
    def _something(self) -> Recipients:
        if not (self.codes or self.group_ids or self.subtrees):
            raise ValueError("name at least one recipient: codes, group_ids or subtrees")
        return self


class DispatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: UUID = Field(description="an issued document of the caller's agency (docs-service id)")
    recipients: Recipients


class ForwardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: Recipients = Field(description="only agencies below the forwarding agency")


class DispatchUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(
        min_length=1,
        max_length=1000,
        description="what changed, for the recipients' clerks, e.g. Đính chính ngày hiệu lực tại Điều 3",
    )


class Dispatch(BaseModel):
    id: UUID
    document_id: UUID
    exchange_id: str
    document: DocumentSummary
    sender_org_id: UUID
    sender_code: str
    sender_name: str
    parent_delivery_id: UUID | None = Field(description="a forward: the delivery it passes on")
    created_by: UUID | None
    created_by_name: str | None
    created_at: datetime
    deliveries: list[Delivery]


class DispatchSummary(BaseModel):
    id: UUID
    document_id: UUID
    exchange_id: str
    subject: str
    parent_delivery_id: UUID | None
    created_at: datetime
    recipients: int


class PendingUnit(BaseModel):
    delivery_id: UUID
    org_id: UUID
    code: str
    name: str
    status: str | None = Field(description="none (not arrived), 01 (arrived) or 02 (refused)")
    depth: int = Field(description="0: a recipient of this dispatch; 1: reached by their forward; …")
    forwarded_by: UUID | None = Field(description="the agency whose forward reached this unit")


class Rollup(BaseModel):
    dispatch_id: UUID
    total: int = Field(description="deliveries over the whole tree of forwards")
    levels: int
    by_status: dict[str, int] = Field(description="current status → count; 'none' before 01")
    by_transport: dict[str, int]
    overdue: int = Field(description="deadline passed and not completed")
    not_accepted: list[PendingUnit] = Field(description="units with no 03 or later status")
