"""Requests to notify-service: any service asks for a person or an agency to be told something."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from pydantic import Field

from . import topics
from .base import Event


class NotificationRequested(Event):
    event_type: ClassVar[str] = "notify.request.created.v1"
    topic: ClassVar[str] = topics.NOTIFY_REQUEST

    request_id: UUID
    kind: str = Field(max_length=64, description="what happened, e.g. user.welcome, document.arrived")
    user_ids: list[UUID] = Field(default_factory=list, description="people to tell, by identity's user id")
    org_id: UUID | None = Field(default=None, description="the agency the request is about")
    org_roles: list[str] = Field(
        default_factory=list,
        description="also tell every active user holding one of these roles in org_id (e.g. clerk, leader)",
    )
    channels: list[str] | None = Field(
        default=None, description="only these channels (sms, email, in_app, webhook); none: by preference"
    )
    phone: str | None = Field(
        default=None, max_length=16, description="send the SMS here (E.164), not to the user's number on file"
    )
    email: str | None = Field(default=None, max_length=254, description="send the e-mail here, not on file")
    data: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str = Field(max_length=200)
    critical: bool = Field(default=False, description="ignores quiet hours (OTP codes, Hỏa tốc documents)")

    def subject(self) -> str:
        return str(self.request_id)
