from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kit_contracts import Tier


class DirectoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agency_id: UUID
    code: str = Field(description="QCVN 102 agency code", examples=["000.00.00.G22"])
    name: str = Field(examples=["Văn phòng Chính phủ"])
    tier: Tier
    parent_id: UUID | None
    external: bool = Field(description="reached through the national document axis rather than served here")
    active: bool
    updated_at: datetime
