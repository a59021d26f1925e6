from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import DEV_SECRET, ServiceSettings

from .exchange import RSA_SHA256, SHA256


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_", extra="ignore")

    service_name: str = "egov-gateway"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/egov.sqlite3")
    port: int = 8105

    # The national axis (the sandbox in development: python -m egov_gateway.sandbox --port 8190).
    axis_url: str = "http://127.0.0.1:8190"
    axis_system_id: str = Field(
        default="000.00.00.H42", max_length=50, description="mã trung tâm liên thông of this installation"
    )
    axis_secret: SecretStr = DEV_SECRET
    axis_timeout_seconds: float = Field(default=10.0, gt=0)
    axis_retries: int = Field(
        default=4, ge=0, le=20, description="retries of one call on network errors, 5xx, 429"
    )
    axis_backoff_seconds: float = Field(default=0.5, gt=0)
    axis_backoff_max_seconds: float = Field(default=10.0, gt=0)
    # Outbound: a package that could not be sent is tried again after send_retry_seconds * 2**(attempts-1),
    # at most send_max_attempts times (VOffice resends at most 5 times), then it has finally failed.
    send_max_attempts: int = Field(default=5, ge=1, le=50)
    send_retry_seconds: float = Field(default=30.0, gt=0)
    outbound_poll_seconds: float = Field(default=2.0, gt=0)
    outbound_batch: int = Field(default=20, ge=1, le=500)
    # Inbound: how often the axis inbox is polled, and how many packages per call.
    inbound_poll_seconds: float = Field(default=10.0, gt=0)
    inbound_batch: int = Field(default=50, ge=1, le=500)
    max_package_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_package_depth: int = Field(default=64, ge=8, le=1000)
    # Signing: a PKCS#12 bundle (signing_key_path alone) or a PEM key plus signing_certificate_path.
    # Without one, development and test sign with a key generated at start-up; production refuses to send.
    signing_key_path: Path | None = None
    signing_certificate_path: Path | None = None
    signing_key_password: SecretStr | None = None
    signature_algorithm: str = RSA_SHA256
    digest_algorithm: str = SHA256
    # Verification of received packages: accept 2016-era RSA-SHA1 signatures; refuse (rather than
    # store and flag) packages whose signature is missing or invalid.
    allow_sha1_signatures: bool = False
    reject_unsigned: bool = False
    # Statistics for the Government portal: pushed every stats_publish_seconds for the current month and
    # the stats_publish_months - 1 before it, each agency-month only when its numbers changed.
    portal_url: str | None = Field(default=None, description="the portal's statistics API; none: axis_url")
    stats_publish_seconds: float = Field(default=3600.0, gt=0)
    stats_publish_months: int = Field(default=2, ge=1, le=24)
