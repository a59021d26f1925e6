"""Events published by identity-service about users and their authentication."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from .base import Event


class Membership(BaseModel):
    """A user's roles in one agency: system_admin, agency_admin, clerk, leader, specialist."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    org_id: UUID
    roles: list[str] = Field(default_factory=list)


class UserCreated(Event):
    event_type: ClassVar[str] = "identity.user.created.v1"
    topic: ClassVar[str] = topics.IDENTITY_USER

    user_id: UUID
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=255)
    org_id: UUID | None = Field(default=None, description="the agency the user was created in")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=16, description="E.164, e.g. +84912345678")
    active: bool = True
    memberships: list[Membership] = Field(default_factory=list)

    def subject(self) -> str:
        return str(self.user_id)


class UserUpdated(Event):
    """The user's new state after any change of contacts, roles, memberships or status (a full snapshot)."""

    event_type: ClassVar[str] = "identity.user.updated.v1"
    topic: ClassVar[str] = topics.IDENTITY_USER

    user_id: UUID
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=16)
    active: bool = True
    memberships: list[Membership] = Field(default_factory=list)

    def subject(self) -> str:
        return str(self.user_id)


class AuthEventRecorded(Event):
    """One entry of identity-service's hash-chained authentication audit log, as it was appended."""

    event_type: ClassVar[str] = "identity.auth.recorded.v1"
    topic: ClassVar[str] = topics.IDENTITY_AUTH

    entry_id: int = Field(description="the audit entry's id: increasing along the chain (gaps possible)")
    kind: str = Field(max_length=64, description="e.g. login.succeeded, login.failed, account.locked")
    occurred_at: datetime
    user_id: UUID | None = Field(default=None, description="whose account; none for an unknown username")
    username: str | None = Field(default=None, max_length=64)
    agency_id: UUID | None = None
    actor_id: UUID | None = Field(default=None, description="the administrator who acted, if not the user")
    detail: dict[str, Any] = Field(default_factory=dict)
    hash: str = Field(
        min_length=64, max_length=64, description="SHA-256 (hex) chaining this entry to the last"
    )

    def subject(self) -> str:
        return str(self.user_id) if self.user_id else "anonymous"
