from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/notify.sqlite3")
    port: int = 8104
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="where people open the web app (links in messages)"
    )

    # E-mail: "smtp" talks to a real server; "file" writes one .eml per message into mail_folder
    # (embedded mode: an operator opens them with any mail reader).
    mail_transport: Literal["smtp", "file"] = "file"
    mail_folder: Path = Path("var/mail")
    mail_from: str = "Văn bản điện tử <no-reply@vanban.gov.vn>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="starttls: upgrade after connecting (587); tls: implicit TLS (465)"
    )
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # The sending worker.
    send_batch: int = Field(default=50, ge=1, le=1000)
    send_poll_seconds: float = Field(default=1.0, gt=0, description="the longest a due delivery waits")
    send_concurrency: int = Field(default=8, ge=1, le=100)
    max_attempts: int = Field(default=6, ge=1, description="then permanent-failure")
    retry_base_seconds: float = Field(
        default=30.0, gt=0, description="backoff: base * 2^(attempt-1), then jitter"
    )
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    sending_timeout_seconds: float = Field(
        default=300.0, gt=0, description="a delivery claimed this long ago and never finished is retried"
    )
    receipt_timeout_seconds: float = Field(
        default=3 * 24 * 3600.0,
        gt=0,
        description="an SMS accepted but never confirmed by a receipt then fails",
    )
    unknown_user_retry_seconds: float = Field(
        default=60.0, gt=0, description="wait for identity's user snapshot before giving up on an address"
    )

    # Per recipient and channel, over a sliding hour; critical requests have their own, higher limit.
    api_rate_limit_per_minute: int = Field(
        default=600, ge=1, description="new notifications one API caller may create per minute (then 429)"
    )
    rate_limit_per_hour: int = Field(default=30, ge=1)
    critical_rate_limit_per_hour: int = Field(default=120, ge=1)

    otp_valid_minutes: int = Field(
        default=5, ge=1, description="shown in the OTP text if the request omits it"
    )
    sweep_interval_seconds: float = Field(
        default=10.0, gt=0, description="how often stuck deliveries are looked for"
    )
    feed_poll_seconds: float | None = Field(
        default=2.0,
        gt=0,
        description="live streams also read new items from the database this often (items delivered by a "
        "worker in another process); none: only this process's worker",
    )
    feed_heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="a comment line keeps idle streams open"
    )

    # Partner webhooks.
    webhook_allow_private: bool = Field(
        default=False,
        description="let webhooks reach loopback, private and link-local addresses (development only)",
    )
    webhook_allow_http: bool = Field(
        default=False, description="plain http targets (else https only; a per-subscription allow permits it)"
    )
    webhook_allowed_networks: list[str] = Field(
        default_factory=list, description="CIDRs partners may use though not public, e.g. 10.20.0.0/16"
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_initial_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_retry_total_hours: float = Field(
        default=24.0, ge=24.0, description="keep retrying a delivery this long after its first attempt"
    )
    webhook_pause_after_failures: int = Field(
        default=5, ge=1, description="deliveries failing for good in a row before the subscription is paused"
    )
    webhook_keep_days: int = Field(
        default=30, ge=1, description="delivered and failed webhook deliveries are deleted after this long"
    )
    webhook_rotation_overlap_hours: float = Field(
        default=24.0, gt=0, description="after a rotation the previous secret signs too for this long"
    )

    # The daily digest (Vietnam time).
    digest_enabled: bool = True
    digest_time: str = Field(
        default="07:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, UTC+7"
    )
    digest_forget_after_days: int = Field(
        default=30, ge=1, description="a work item this many days past its deadline leaves the list"
    )
