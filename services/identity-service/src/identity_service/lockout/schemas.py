from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class Lockout(BaseModel):
    user_id: UUID
    locked: bool
    locked_until: datetime | None = Field(description="when the current lock ends by itself")
    reason: str | None = Field(description="locked (failure counter) or window (too many recent failures)")
    failed_count: int = Field(description="consecutive failures since the last success or lock")
    lockouts: int = Field(description="locks so far; each lasts twice as long as the one before, capped")
    recent_failures: int = Field(description="failures inside the per-user sliding window")
    window_seconds: int


class IpBlock(BaseModel):
    """A client address whose failed logins fill the per-IP window: it waits until they age out."""

    ip: str
    failures: int = Field(description="failed or refused logins from it in the window")
    window_seconds: int
    last_failure_minute: datetime
