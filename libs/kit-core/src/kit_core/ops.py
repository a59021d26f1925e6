"""What every service exposes for operators: ``/healthz``, ``/readyz`` and ``/metrics``.

Readiness checks and metric refreshers come from the lifespan state (``readiness`` and
``metrics_refresh``), so the same router serves a service running alone or mounted in the
embedded host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from .asgi import RequestContextMiddleware, RequestMetrics
from .errors import install_error_handlers, problem_response
from .logging import get_logger

Check = Callable[[], Awaitable[None]]
log = get_logger(__name__)


def _ops_router(registry: CollectorRegistry, service: str) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get(
        "/readyz",
        summary="Readiness: database and bus reachable",
        responses={503: {"description": "a dependency is not reachable"}},
    )
    async def readyz(request: Request) -> Any:
        checks: dict[str, Check] = getattr(request.state, "readiness", {})
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout=5.0)
                results[name] = "ok"
            except Exception as exc:  # any failure means not ready; say which and why
                log.warning("readiness.failed", check=name, error=str(exc))
                results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
        if all(v == "ok" for v in results.values()):
            return {"status": "ready", "service": service, "checks": results}
        failing = ", ".join(k for k, v in results.items() if v != "ok")
        return problem_response(
            503,
            "Not ready",
            detail=f"{service}: not reachable: {failing}",
            instance=request.url.path,
            checks=results,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        for refresh in getattr(request.state, "metrics_refresh", []):
            try:
                await refresh()
            except Exception as exc:  # a failing gauge must not hide the others
                log.warning("metrics.refresh_failed", error=str(exc))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def install_platform(app: FastAPI, *, registry: CollectorRegistry, service: str) -> None:
    """Error handlers, request context and metrics middleware, and the operations endpoints."""
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=RequestMetrics(registry))
    app.include_router(_ops_router(registry, service))
