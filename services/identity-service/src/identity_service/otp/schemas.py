from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class TotpEnrolment(BaseModel):
    factor_id: UUID
    secret: str = Field(description="base32, for typing into an app that cannot scan the QR code")
    uri: str = Field(
        examples=["otpauth://totp/V%C4%83n%20b%E1%BA%A3n%20%C4%91i%E1%BB%87n%20t%E1%BB%AD:an.nv?..."]
    )
    qr_png: str = Field(description="the otpauth URI as a QR code: a data: URI of a PNG image")
    qr_svg: str = Field(description="the same QR code as an SVG document")
    algorithm: str
    digits: int
    period: int


class TotpConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=10, examples=["492039"])


class BackupCodes(BaseModel):
    codes: list[str] = Field(description="shown this once; each works one time; a new set voids these")
    created_at: datetime


class Factors(BaseModel):
    totp: bool
    totp_pending: bool
    backup_codes_remaining: int


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: UUID
    channel: Literal["sms", "email"]


class CodeSent(BaseModel):
    channel: Literal["sms", "email"]
    sent_to: str = Field(description="where it went, masked", examples=["+84 91* *** 678"])
    expires_at: datetime
    resend_after: datetime = Field(description="a new code for this login may be asked for from then")
