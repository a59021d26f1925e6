from datetime import date

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    service_name: str = "routing-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/routing.sqlite3")
    port: int = 8102
    # Transport of local deliveries: one not picked up (no status back) within delivery_ack_seconds
    # is announced again, up to delivery_max_attempts announcements (VOffice resends at most 5 times);
    # then it has finally failed and the sender's clerks are told.
    delivery_ack_seconds: float = Field(default=600, gt=0)
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_sweep_seconds: float = Field(
        default=30, gt=0, description="how often the transport worker looks"
    )
    delivery_sweep_batch: int = Field(default=500, ge=1, le=10000)
    # Assignment deadlines, in working days (Monday to Friday, minus holidays): the lead is reminded
    # when the deadline is at most assignment_remind_days away, told when it has passed, and the
    # leaders are told once it is more than assignment_escalate_days past.
    holidays: list[date] = Field(
        default_factory=list, description='days off besides weekends, e.g. ["2026-09-02", "2027-02-16"]'
    )
    assignment_remind_days: int = Field(default=1, ge=0, le=30)
    assignment_escalate_days: int = Field(default=2, ge=0, le=30)
    assignment_sweep_seconds: float = Field(default=300, gt=0)
