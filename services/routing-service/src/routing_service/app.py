from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import JwksVerifier

from .config import Settings
from .group.endpoints import router as group_router
from .org.endpoints import router as org_router


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="routing-service",
        description="The four-tier agency directory and recipient groups; dispatch and delivery come next.",
        routers=[org_router, group_router],
        handlers=None,
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
    )
