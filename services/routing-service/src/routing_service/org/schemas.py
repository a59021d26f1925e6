from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kit_contracts import Tier

QCVN102_PATTERN = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        pattern=QCVN102_PATTERN,
        examples=["000.00.00.H42"],
        description="QCVN 102 code V1V2V3.Z1Z2.Y1Y2.MX1X2, level 1 on the right",
    )
    name: str = Field(min_length=1, max_length=255, examples=["Ủy ban nhân dân tỉnh Ninh Bình"])
    short_name: str | None = Field(default=None, max_length=50, examples=["UBND"])
    tier: Tier
    parent_id: UUID | None = None
    external: bool = Field(default=False, description="reached through the national axis, not served here")


class Org(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    code: str
    name: str
    short_name: str | None
    tier: Tier
    parent_id: UUID | None
    external: bool
    active: bool
    created_at: datetime
