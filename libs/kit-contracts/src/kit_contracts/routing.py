"""Events published by routing-service about the agency directory."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from . import topics
from .base import Event


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
