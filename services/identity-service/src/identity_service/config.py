from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kit_core import DEV_SECRET, ServiceSettings

# OWASP Password Storage Cheat Sheet: argon2id with at least 19 MiB of memory and 2 iterations.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2


class WeakHashParameters(ValueError):
    pass


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/identity.sqlite3")
    port: int = 8101
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="where people open the web app (links in messages)"
    )

    # Encrypts TOTP secrets and signing keys at rest and keys the backup-code hashes (HKDF sub-keys).
    encryption_key: SecretStr = DEV_SECRET

    # argon2id; the defaults are argon2-cffi's RFC 9106 "low memory" profile (64 MiB, 3 passes, 4 lanes).
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_parallelism: int = Field(default=4, ge=1)

    password_min_length: int = Field(default=10, ge=8)
    password_max_length: int = Field(default=128, le=1024)
    password_reset_ttl_seconds: int = 30 * 60

    otp_issuer: str = "Văn bản điện tử"
    otp_algorithm: Literal["SHA1", "SHA256", "SHA512"] = "SHA1"
    otp_digits: int = Field(default=6, ge=6, le=8)
    otp_step_seconds: int = 30
    otp_window: int = Field(default=1, ge=0, le=3, description="time steps accepted either side of now")
    otp_enrolment_at_login: bool = Field(
        default=True, description="a user with no second factor enrols TOTP during the first login"
    )
    backup_code_count: int = 10
    otp_sms_enabled: bool = Field(default=True, description="users with a mobile number may get codes by SMS")
    otp_email_enabled: bool = Field(
        default=True, description="users with an e-mail address may get codes by mail"
    )
    otp_code_ttl_seconds: int = Field(default=5 * 60, ge=30, le=5 * 60)
    otp_code_max_attempts: int = Field(default=5, ge=1, le=5)
    otp_code_resend_seconds: int = Field(
        default=30, ge=0, description="pause between two codes for one login"
    )
    otp_code_max_sends_per_challenge: int = Field(default=3, ge=1)
    otp_code_max_sends_per_user_hour: int = Field(default=10, ge=1)

    challenge_ttl_seconds: int = 5 * 60
    challenge_max_attempts: int = 5

    lockout_threshold: int = Field(default=5, ge=1, description="consecutive failures before a lockout")
    lockout_base_seconds: int = 60
    lockout_max_seconds: int = 15 * 60
    lockout_reset_seconds: int = Field(
        default=12 * 3600, description="a quiet period after which failures and lockouts are forgotten"
    )
    user_window_seconds: int = 15 * 60
    user_window_max_failures: int = Field(default=10, ge=1)
    ip_window_seconds: int = Field(default=15 * 60, ge=60)
    ip_window_max_failures: int = Field(
        default=100,
        ge=0,
        description="failed or refused logins from one client address per window before it must wait "
        "(0: no per-IP limit); generous, since a whole office may share one address",
    )

    housekeeping_interval_seconds: float = Field(default=3600, gt=0)
    housekeeping_retention_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        description="ended sessions, spent tokens, old challenges and reset links are kept this long",
    )

    client_scopes: list[str] = Field(
        default=[
            "directory.read",
            "documents.read",
            "documents.write",
            "dispatches.read",
            "dispatches.write",
            "notifications.send",
            "notifications.read",
            "webhooks.manage",
            "exchange.write",
            "exchange.files",
        ],
        description="the scopes administrators may grant machine clients",
    )
    client_default_rate_limit: int = Field(default=600, ge=1, description="requests a minute, per client")
    client_token_ttl_seconds: int = Field(default=10 * 60, ge=30)
    client_secret_grace_seconds: int = Field(
        default=24 * 3600, ge=0, description="after a rotation, the previous secret works this long"
    )

    signing_algorithm: Literal["EdDSA", "ES256"] = "EdDSA"
    access_token_ttl_seconds: int = Field(default=10 * 60, ge=30)
    refresh_token_ttl_seconds: int = 12 * 3600
    session_max_seconds: int = 7 * 24 * 3600
    token_leeway_seconds: int = Field(default=30, description="clock skew verifiers allow (JwksVerifier: 30)")

    @model_validator(mode="after")
    def _argon2_at_least_owasp_minimum(self) -> "Settings":
        # Tests may go lower (env=test only) so a suite of logins stays fast.
        if self.env != "test" and (
            self.argon2_memory_kib < OWASP_MIN_MEMORY_KIB or self.argon2_time_cost < OWASP_MIN_TIME_COST
        ):
            raise WeakHashParameters(
                f"IDENTITY_ARGON2_MEMORY_KIB={self.argon2_memory_kib}, IDENTITY_ARGON2_TIME_COST="
                f"{self.argon2_time_cost}: below OWASP's minimum for argon2id "
                f"({OWASP_MIN_MEMORY_KIB} KiB and {OWASP_MIN_TIME_COST} iterations)"
            )
        return self
