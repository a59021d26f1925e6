"""The composition root every service shares: one FastAPI app whose lifespan opens the runtime.

A service's ``create_app`` names its routers and its event handlers; this builds the app with
problem+json errors, request context, ``/healthz``, ``/readyz`` and ``/metrics``, and a lifespan
yielding the state endpoints use (``sessionmaker``, ``bus``, readiness checks, metric refreshers,
and ``jwks_verifier`` for ``kit_core.CurrentPrincipal``). Nothing is built at import time:
engines, buses, HTTP clients and tasks exist only inside the lifespan.

The verifier checks identity-service's tokens against the settings ``jwks_url``, ``jwt_issuer``
and ``jwt_audience`` with an ``httpx.AsyncClient`` closed on shutdown; tests (``kit_core.testing.
TokenMint``) and the embedded host (identity in-process) pass their own as ``verifier``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry

from kit_contracts import Event
from kit_core import JwksVerifier, ServiceSettings, install_platform
from kit_core.auth import VERIFIER_STATE
from kit_db import install_db_error_handlers

from .bus import EventBus
from .consumer import Handler
from .runtime import Worker, open_service_runtime


def route_id(route: APIRoute) -> str:
    return route.name


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    handlers: Mapping[type[Event], Handler] | None = None,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
    workers: Sequence[Worker] = (),
) -> FastAPI:
    registry = CollectorRegistry()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            runtime = await stack.enter_async_context(
                open_service_runtime(
                    settings, handlers=handlers, bus=bus, run_workers=run_workers, workers=workers
                )
            )
            tokens = verifier
            if tokens is None:
                http = await stack.enter_async_context(httpx.AsyncClient(timeout=5.0))
                tokens = JwksVerifier(
                    jwks_url=settings.jwks_url,
                    issuer=settings.jwt_issuer,
                    audience=settings.jwt_audience,
                    http=http,
                )
            runtime.collector.register(registry)
            try:
                yield {
                    "sessionmaker": runtime.sessionmaker,
                    "bus": runtime.bus,
                    "runtime": runtime,
                    "readiness": runtime.readiness(),
                    "metrics_refresh": [runtime.collector.refresh],
                    VERIFIER_STATE: tokens,
                }
            finally:
                registry.unregister(runtime.collector)

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=route_id,
    )
    install_platform(app, registry=registry, service=settings.service_name)
    install_db_error_handlers(app)
    for router in routers:
        app.include_router(router)
    app.state.event_handlers = dict(handlers or {})  # what this service consumes, for the wiring checks
    app.state.service_workers = list(workers)  # what `python -m <service> worker` runs besides the bus
    app.state.metrics_registry = registry  # for a service's own collectors, registered by its create_app
    return app
