"""Events published by identity-service about users."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from . import topics
from .base import Event


class UserCreated(Event):
    event_type: ClassVar[str] = "identity.user.created.v1"
    topic: ClassVar[str] = topics.IDENTITY_USER

    user_id: UUID
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=255)
    org_id: UUID | None = None

    def subject(self) -> str:
        return str(self.user_id)
