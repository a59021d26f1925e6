from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Scope = Annotated[str, StringConstraints(pattern=r"^[a-z]+(\.[a-z]+)+$", max_length=64)]


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Cổng dịch vụ công tỉnh Ninh Bình"])
    agency_id: UUID = Field(description="the agency the client acts for; its tokens act for it alone")
    scopes: list[Scope] = Field(
        min_length=1, max_length=32, examples=[["directory.read", "notifications.send"]]
    )
    rate_limit_per_minute: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="requests a minute each service allows it (default in settings)",
    )


class ClientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    scopes: list[Scope] | None = Field(default=None, min_length=1, max_length=32)
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=100_000)


class Client(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    client_id: str
    name: str
    agency_id: UUID | None = Field(
        description="the agency it acts for; none for a service of this installation (created by the CLI)"
    )
    scopes: list[str]
    rate_limit_per_minute: int
    active: bool
    created_at: datetime
    secret_rotated_at: datetime | None
    previous_valid_until: datetime | None = Field(
        description="until when the secret before the last rotation works"
    )
    last_used_at: datetime | None


class ClientWithSecret(Client):
    client_secret: str = Field(description="shown this once; only its hash is kept")


class TokenResponse(BaseModel):
    """RFC 6749 §5.1."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6749 token type, not a secret
    expires_in: int
    scope: str
