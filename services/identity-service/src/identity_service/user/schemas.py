from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9._-]+$",
        description="lower-case letters, digits, dot, dash, underscore",
    )
    full_name: str = Field(min_length=1, max_length=255, examples=["Nguyễn Văn An"])
    agency_id: UUID = Field(description="the agency the user acts for (from the routing directory)")


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    username: str
    full_name: str
    agency_id: UUID
    created_at: datetime
