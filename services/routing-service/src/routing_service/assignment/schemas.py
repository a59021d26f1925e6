from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kit_contracts import DocumentSummary


class AssigneeKind(StrEnum):
    UNIT = "unit"  # a department of the agency (phòng, ban)
    USER = "user"  # a person, by identity's user id


class MemberRole(StrEnum):
    LEAD = "lead"  # chủ trì
    CO_HANDLER = "co_handler"  # phối hợp
    FOR_INFORMATION = "for_information"  # để biết


class AssignmentState(StrEnum):
    ASSIGNED = "assigned"  # 04
    PROCESSING = "processing"  # 05
    COMPLETED = "completed"  # 06


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class Assignee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AssigneeKind
    id: UUID = Field(description="the unit's id, or the person's user id in identity-service")
    name: Text = Field(examples=["Phòng Văn hóa và Thông tin", "Trần Thị Bình"])


class AssignmentCreate(BaseModel):
    """The leader's direction (bút phê, ý kiến chỉ đạo giải quyết) on a registered delivery."""

    model_config = ConfigDict(extra="forbid")

    direction: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = (
        Field(
            examples=["Giao Phòng Văn hóa chủ trì, phối hợp Phòng Nội vụ tham mưu, báo cáo trước ngày 10/12."]
        )
    )
    lead: Assignee
    co_handlers: list[Assignee] = Field(default_factory=list, max_length=50)
    for_information: list[Assignee] = Field(default_factory=list, max_length=50)
    deadline: date | None = Field(default=None, description="hạn xử lý; overdue the day after")

    @model_validator(mode="after")
    def _each_once(self) -> AssignmentCreate:
        seen: set[UUID] = set()
        for assignee in [self.lead, *self.co_handlers, *self.for_information]:
            if assignee.id in seen:
                raise ValueError(f"{assignee.name} ({assignee.id}) is named twice")
            seen.add(assignee.id)
        return self


class Reassignment(BaseModel):
    """A leader names the handlers again (and may move the deadline); the state does not change."""

    model_config = ConfigDict(extra="forbid")

    lead: Assignee
    co_handlers: list[Assignee] = Field(default_factory=list, max_length=50)
    for_information: list[Assignee] = Field(default_factory=list, max_length=50)
    deadline: date | None = Field(default=None, description="none keeps the current deadline")
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _each_once(self) -> Reassignment:
        seen: set[UUID] = set()
        for assignee in [self.lead, *self.co_handlers, *self.for_information]:
            if assignee.id in seen:
                raise ValueError(f"{assignee.name} ({assignee.id}) is named twice")
            seen.add(assignee.id)
        return self


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadline: date = Field(description="the deadline asked for; later than the current one")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ExtensionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str | None = Field(default=None, max_length=1000)


class PendingExtension(BaseModel):
    deadline: date
    reason: str
    requested_by: UUID | None


class ProgressReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class Assignment(BaseModel):
    id: UUID
    delivery_id: UUID
    org_id: UUID
    direction: str
    deadline: date | None
    state: AssignmentState
    overdue: bool = Field(description="deadline passed and not completed")
    lead: Assignee
    co_handlers: list[Assignee]
    for_information: list[Assignee]
    assigned_by: UUID | None
    assigned_by_name: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    pending_extension: PendingExtension | None = Field(description="a request a leader has not decided yet")
    document: DocumentSummary
