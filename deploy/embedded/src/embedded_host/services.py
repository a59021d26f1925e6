"""The five services as the host sees them, and which public paths each owns (as nginx routes them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

import docs_service
import egov_gateway
import identity_service
import notify_service
import routing_service
from docs_service.app import create_app as create_docs
from docs_service.config import Settings as DocsSettings
from egov_gateway.app import create_app as create_egov
from egov_gateway.config import Settings as EgovSettings
from identity_service.app import create_app as create_identity
from identity_service.config import Settings as IdentitySettings
from kit_core import ServiceSettings
from notify_service.app import create_app as create_notify
from notify_service.config import Settings as NotifySettings
from routing_service.app import create_app as create_routing
from routing_service.config import Settings as RoutingSettings


@dataclass(frozen=True)
class ServiceSpec:
    short: str
    settings: type[ServiceSettings]
    create_app: Callable[..., FastAPI]
    migrations: Path
    prefixes: tuple[str, ...]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "identity",
        IdentitySettings,
        create_identity,
        identity_service.MIGRATIONS,
        ("/api/v1/auth", "/api/v1/users", "/api/v1/clients", "/.well-known/jwks.json"),
    ),
    ServiceSpec(
        "routing",
        RoutingSettings,
        create_routing,
        routing_service.MIGRATIONS,
        ("/api/v1/orgs", "/api/v1/dispatches", "/api/v1/inbox", "/api/v1/deliveries", "/api/v1/assignments"),
    ),
    ServiceSpec(
        "docs",
        DocsSettings,
        create_docs,
        docs_service.MIGRATIONS,
        ("/api/v1/documents", "/api/v1/registers", "/api/v1/search"),
    ),
    ServiceSpec(
        "notify",
        NotifySettings,
        create_notify,
        notify_service.MIGRATIONS,
        ("/api/v1/notifications", "/api/v1/webhooks", "/api/v1/preferences"),
    ),
    ServiceSpec(
        "egov", EgovSettings, create_egov, egov_gateway.MIGRATIONS, ("/api/v1/exchange", "/api/v1/stats")
    ),
)


def owns(prefix: str, path: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?")


def settings_for(spec: ServiceSpec, var_dir: Path, **overrides: Any) -> ServiceSettings:
    """The service's own settings (its env prefix still applies), with its SQLite file under var_dir."""
    defaults: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{var_dir / spec.short}.sqlite3",
        "relay_poll_seconds": 0.5,
    }
    env_set = spec.settings()
    if spec.short == "notify" and "mail_folder" not in env_set.model_fields_set:
        defaults["mail_folder"] = var_dir / "mail"  # an operator opens the .eml files there
    if (
        env_set.database_url.get_secret_value()
        != spec.settings.model_fields["database_url"].default.get_secret_value()
    ):
        defaults.pop("database_url")  # the operator chose a database: keep it
    return spec.settings(**(defaults | overrides))
