"""SMS settings (env prefix ``NOTIFY_SMS_``) and the factory that turns them into an ``SmsRouter``.

Providers come as a JSON list in ``NOTIFY_SMS_PROVIDERS``, first = preferred. The defaults point
at the simulator (``python -m notify_service.sms.simulator --port 8191``) with one account per
protocol, which is what embedded mode and development use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import httpx
from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit_core import DEV_SECRET, Clock, InsecureSettings

from .base import SmsProvider
from .brandname import BrandnameProvider
from .generic import GenericHttpProvider
from .health import HealthPolicy
from .router import SmsRouter

SIMULATOR_URL = "http://127.0.0.1:8191"


class SmsProviderConfig(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    kind: Literal["generic", "brandname"]
    base_url: str = Field(pattern=r"^https?://")
    timeout_seconds: float = Field(default=5.0, gt=0)
    receipt_secret: SecretStr = DEV_SECRET
    strip_diacritics: bool = False
    # generic
    api_key: SecretStr = DEV_SECRET
    # brandname
    username: str = "egov"
    password: SecretStr = DEV_SECRET
    brandname: str = "UBND-TINH"
    unicode: bool = True


def _simulator_providers() -> list[SmsProviderConfig]:
    return [
        SmsProviderConfig(name="sim-generic", kind="generic", base_url=f"{SIMULATOR_URL}/generic"),
        SmsProviderConfig(name="sim-brandname", kind="brandname", base_url=f"{SIMULATOR_URL}/brandname"),
    ]


class SmsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_SMS_", extra="ignore")

    providers: list[SmsProviderConfig] = Field(default_factory=_simulator_providers)
    max_attempts_per_send: int = Field(default=3, ge=1)
    window_seconds: float = 60.0
    max_errors: int = 10
    max_error_ratio: float = 0.5
    min_samples: int = 5
    slow_p90_ms: float = 5000.0
    cooldown_seconds: float = 60.0
    probe_interval_seconds: float = 10.0
    recovery_probes: int = 3

    @model_validator(mode="after")
    def _unique_names(self) -> SmsSettings:
        names = [p.name for p in self.providers]
        if len(set(names)) != len(names):
            raise ValueError(f"SMS provider names must be unique: {names}")
        return self

    def policy(self) -> HealthPolicy:
        return HealthPolicy(
            window_seconds=self.window_seconds,
            max_errors=self.max_errors,
            max_error_ratio=self.max_error_ratio,
            min_samples=self.min_samples,
            slow_p90_ms=self.slow_p90_ms,
            cooldown_seconds=self.cooldown_seconds,
            probe_interval_seconds=self.probe_interval_seconds,
            recovery_probes=self.recovery_probes,
        )

    def check_secrets(self, env: str) -> None:
        """Refuse development secrets outside development and test, like ``ServiceSettings`` does."""
        if env in ("development", "test"):
            return
        offenders = [
            f"{p.name}.{field}"
            for p in self.providers
            for field in ("receipt_secret", "api_key" if p.kind == "generic" else "password")
            if getattr(p, field).get_secret_value() == DEV_SECRET.get_secret_value()
        ]
        if offenders:
            raise InsecureSettings(f"NOTIFY_SMS_PROVIDERS: development secrets for {', '.join(offenders)}")


def build_provider(config: SmsProviderConfig, http: httpx.AsyncClient) -> SmsProvider:
    if config.kind == "generic":
        return GenericHttpProvider(
            base_url=config.base_url,
            api_key=config.api_key,
            name=config.name,
            http=http,
            timeout_seconds=config.timeout_seconds,
            receipt_secret=config.receipt_secret,
            strip_diacritics=config.strip_diacritics,
        )
    return BrandnameProvider(
        base_url=config.base_url,
        username=config.username,
        password=config.password,
        brandname=config.brandname,
        unicode=config.unicode,
        name=config.name,
        http=http,
        timeout_seconds=config.timeout_seconds,
        receipt_secret=config.receipt_secret,
        strip_diacritics=config.strip_diacritics,
    )


@asynccontextmanager
async def open_sms_router(
    settings: SmsSettings,
    *,
    env: str = "development",
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[SmsRouter]:
    """The router and the HTTP client it owns, for an app's lifespan."""
    settings.check_secrets(env)
    async with httpx.AsyncClient(transport=transport, follow_redirects=False) as http:
        yield build_sms_router(settings, http, clock=clock)


def build_sms_router(
    settings: SmsSettings, http: httpx.AsyncClient, *, clock: Clock | None = None
) -> SmsRouter:
    """The router over ``http``, which the caller owns (and closes)."""
    return SmsRouter(
        [build_provider(p, http) for p in settings.providers],
        policy=settings.policy(),
        clock=clock,
        max_attempts=settings.max_attempts_per_send,
    )
