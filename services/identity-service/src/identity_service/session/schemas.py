from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Factor = Literal["totp", "backup_code", "sms", "email"]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, examples=["an.nv"])
    password: str = Field(min_length=1, max_length=1024)


class LoginChallenge(BaseModel):
    challenge_id: UUID
    factors: list[Factor] = Field(description="second factors the user can answer with now")
    enroll: list[Literal["totp"]] = Field(
        default_factory=list,
        description="factors to set up first (no factor yet): POST /api/v1/auth/login/totp, then verify",
    )
    expires_at: datetime


class ChallengeRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: UUID


class LoginVerify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: UUID
    factor: Factor
    code: str = Field(min_length=1, max_length=32, examples=["492039", "k7m2p-x9q4r"])


class AgencyRoles(BaseModel):
    id: UUID
    code: str
    name: str
    roles: list[str]


class Tokens(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="seconds the access token stays valid")
    refresh_token: str = Field(description="single use: each refresh returns the next one")
    refresh_expires_in: int
    session_id: UUID
    amr: list[str] = Field(examples=[["pwd", "otp"]])
    agency: AgencyRoles = Field(description="the agency this token acts for")
    agencies: list[AgencyRoles] = Field(description="every agency the user can switch to")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200)


class SwitchAgency(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_id: UUID
