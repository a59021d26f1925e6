from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from kit_contracts import Tier
from routing_service.org.schemas import Name, blank_to_none, trim


class GroupKind(StrEnum):
    STATIC = "static"
    DYNAMIC = "dynamic"


class RuleType(StrEnum):
    SUBTREE = "subtree"
    """The node and every agency below it."""
    TIER_UNDER = "tier_under"
    """Every agency of ``tier`` below the node."""
    COMMUNES_OF_DISTRICT = "communes_of_district"
    """Every commune below a district-tier node."""


class GroupRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: RuleType
    node_id: UUID
    tier: Tier | None = Field(default=None, description="for tier_under only")

    @model_validator(mode="after")
    def _tier_only_for_tier_under(self) -> GroupRule:
        if self.type is RuleType.TIER_UNDER and self.tier is None:
            raise ValueError("a tier_under rule needs a tier")
        if self.type is not RuleType.TIER_UNDER and self.tier is not None:
            raise ValueError(f"a {self.type.value} rule takes no tier")
        return self


class RecipientGroupCreate(BaseModel):
    """A static group lists its members; a dynamic group has a rule, resolved when it is used."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["Các xã, thị trấn huyện Kim Sơn"])
    description: Annotated[
        Annotated[str, BeforeValidator(trim), Field(max_length=500)] | None, BeforeValidator(blank_to_none)
    ] = None
    kind: GroupKind
    members: list[UUID] | None = Field(default=None, max_length=5000, description="static groups: agency ids")
    rule: GroupRule | None = Field(default=None, description="dynamic groups")

    @field_validator("members")
    @classmethod
    def _no_duplicates(cls, members: list[UUID] | None) -> list[UUID] | None:
        if members is not None:
            seen: set[UUID] = set()
            for member in members:
                if member in seen:
                    raise ValueError(f"agency {member} is listed twice")
                seen.add(member)
        return members

    @model_validator(mode="after")
    def _shape_fits_kind(self) -> RecipientGroupCreate:
        if self.kind is GroupKind.STATIC:
            if not self.members:
                raise ValueError("a static group needs at least one member")
            if self.rule is not None:
                raise ValueError("a static group has members, not a rule")
        else:
            if self.rule is None:
                raise ValueError("a dynamic group needs a rule")
            if self.members is not None:
                raise ValueError("a dynamic group has a rule, not members")
        return self


class RecipientGroup(BaseModel):
    id: UUID
    owner_id: UUID
    name: str
    description: str | None
    kind: GroupKind
    members: list[UUID] | None = Field(description="static groups: the agency ids as stored")
    rule: GroupRule | None
    created_at: datetime
