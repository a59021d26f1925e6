"""Typed settings: one class per service, each with its own env prefix (``DOCS_``, ``ROUTING_`` …).

Secrets may default to ``DEV_SECRET`` so development needs no setup, but outside development and
test the validator refuses to start while any secret still holds it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_VALUE = "dev-insecure-change-me"  # noqa: S105 - the point is that it is rejected in production
DEV_SECRET = SecretStr(DEV_SECRET_VALUE)


class InsecureSettings(ValueError):
    pass


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIT_", extra="ignore", env_file=None)

    service_name: str = "service"
    env: Literal["development", "test", "production"] = "development"
    log_json: bool = True
    log_level: str = "INFO"

    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/service.sqlite3")
    db_pool_size: int = 10
    db_echo: bool = False

    bus: Literal["local", "kafka"] = "local"
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_partitions: int = 3
    kafka_replication: int = 1
    topic_suffix: str = ""

    relay_batch: int = 500
    relay_poll_seconds: float = 1.0

    jwks_url: str = "http://127.0.0.1:8000/.well-known/jwks.json"
    jwt_issuer: str = "http://127.0.0.1:8000"
    jwt_audience: str = "egov"

    host: str = "127.0.0.1"
    port: int = 8000
    # Proxies whose X-Forwarded-For names the real client (uvicorn's forwarded_allow_ips): the local
    # nginx by default; "*" where only the gateway can reach the service (k8s network policies).
    forwarded_allow_ips: str = "127.0.0.1"

    @model_validator(mode="after")
    def _no_default_secrets_outside_development(self) -> ServiceSettings:
        if self.env in ("development", "test"):
            return self
        offenders = [
            name
            for name, value in self
            if isinstance(value, SecretStr) and value.get_secret_value() == DEV_SECRET_VALUE
        ]
        if offenders:
            prefix = str(self.model_config.get("env_prefix", ""))
            names = ", ".join(prefix + name.upper() for name in offenders)
            raise InsecureSettings(
                f"{names}: still the development default; set a real secret for env={self.env}"
            )
        return self
