import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

ChannelName = Literal["sms", "email", "in_app"]
E164 = r"^\+[1-9][0-9]{6,14}$"
MAX_DATA_BYTES = 16 * 1024


class NotificationCreate(BaseModel):
    """The same request other services send as a NotificationRequested event."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=64, examples=["document.arrived"])
    user_ids: list[UUID] = Field(default_factory=list, max_length=1000)
    org_id: UUID | None = Field(
        default=None, description="the agency; with org_roles: its users holding them"
    )
    org_roles: list[Literal["system_admin", "agency_admin", "clerk", "leader", "specialist"]] = Field(
        default_factory=list, max_length=5
    )
    channels: list[ChannelName] | None = Field(
        default=None, description="only these channels; none: by preference"
    )
    phone: str | None = Field(
        default=None, pattern=E164, description="send the SMS here (one recipient only)"
    )
    email: str | None = Field(
        default=None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="send the e-mail here",
    )
    data: dict[str, Any] = Field(default_factory=dict, description="the values the templates show")
    idempotency_key: str = Field(
        min_length=1,
        max_length=200,
        description="a repeated key creates nothing and answers the first notification",
    )
    critical: bool = Field(default=False, description="ignores preferences and quiet hours (OTP, Hỏa tốc)")

    @field_validator("data")
    @classmethod
    def _small_enough(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value, ensure_ascii=False, default=str).encode())
        if size > MAX_DATA_BYTES:
            raise ValueError(f"data is {size} bytes as JSON; at most {MAX_DATA_BYTES}")
        return value


class Attempt(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    provider: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    error: str | None
    elapsed_ms: float


class Delivery(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    user_id: UUID | None
    channel: str
    status: str = Field(description="created, sending, delivered, temporary-failure, permanent-failure")
    address: str | None = Field(description="where it went (resolved at send time from the user's contacts)")
    template_version: int | None = Field(description="0: the built-in default text")
    attempts: int
    next_attempt_at: datetime = Field(description="not before this (retries, quiet hours, rate limits)")
    sent_at: datetime | None
    completed_at: datetime | None
    provider: str | None
    provider_message_id: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    attempt_log: list[Attempt] = Field(description="every try, oldest first")


class Notification(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    request_id: UUID
    kind: str
    idempotency_key: str
    source: str = Field(description="the producing service, or api:<caller>")
    org_id: UUID | None
    org_roles: list[str]
    user_ids: list[UUID]
    channels: list[str] | None
    critical: bool
    created_at: datetime
    deliveries: list[Delivery]
