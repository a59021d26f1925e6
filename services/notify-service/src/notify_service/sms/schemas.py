from datetime import datetime

from pydantic import BaseModel, ConfigDict

from .health import ProviderState


class ProviderHealthRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider: str
    priority: int
    state: ProviderState
    attempts: int
    errors: int
    error_ratio: float
    latency_mean_ms: float | None
    latency_p90_ms: float | None
    down_since: datetime | None
    reason: str | None
    probe_successes: int


class ReceiptAccepted(BaseModel):
    reference: str
    delivered: bool
    detail: str
