from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class Package(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    direction: Direction
    kind: str = Field(description="document or status", examples=["document"])
    business_type: str | None = Field(description="BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace")
    status_code: str | None = Field(description="business status of a status package (01 to 06, 15, 16...)")
    delivery_id: UUID | None = Field(description="routing's delivery an outbound package carries")
    exchange_id: str = Field(description="DocumentId (ResponseFor's for a status package), verbatim")
    sender_code: str
    recipient_codes: str = Field(description="QCVN 102 codes of the recipients, comma separated")
    axis_doc_id: str | None = Field(description="the axis's DocID")
    state: str = Field(
        description="outbound: pending, sent, failed, finally_failed; inbound: received, unaddressed"
    )
    attempts: int
    last_error: str | None
    signature: str | None = Field(
        default=None,
        description="the package signature as checked when stored: valid, invalid or missing (none: not built yet)",
    )
    signature_detail: str | None = Field(default=None, description="why, e.g. the signer's chain")
    created_at: datetime
    updated_at: datetime
