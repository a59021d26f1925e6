from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

EventType = Literal["delivery.status_changed", "document.issued"]
EVENT_TYPES: tuple[str, ...] = ("delivery.status_changed", "document.issued")


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, examples=["https://doitac.example.vn/hooks/vanban"])
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: str = Field(default="", max_length=500)
    org_id: UUID | None = Field(
        default=None, description="the agency whose events it receives; default: the caller's agency"
    )
    allow_private: bool = Field(
        default=False,
        description="let the target be loopback/private/link-local (system administrators only)",
    )


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=8, max_length=2000)
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=500)
    allow_private: bool | None = None


class Subscription(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    org_id: UUID
    owner: str
    url: str
    event_types: list[str]
    description: str
    allow_private: bool
    status: Literal["active", "paused"]
    paused_reason: str | None
    consecutive_failures: int
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="until then deliveries carry a second signature, with the previous secret"
    )
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(Subscription):
    secret: str = Field(description="shown once: keep it to verify the webhook-signature header")


class WebhookDeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID = Field(description="the webhook-id header")
    subscription_id: UUID
    event_id: UUID
    event_type: str
    status: str
    attempts: int
    first_attempt_at: datetime | None
    next_attempt_at: datetime
    completed_at: datetime | None
    last_status_code: int | None
    error: str | None
    created_at: datetime
