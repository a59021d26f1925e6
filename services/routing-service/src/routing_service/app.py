from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app

from .config import Settings
from .org.endpoints import router as org_router


def create_app(
    settings: Settings | None = None, *, bus: EventBus | None = None, run_workers: bool = True
) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="routing-service",
        description="The four-tier agency directory; dispatch and delivery arrive with the routing issue.",
        routers=[org_router],
        handlers=None,
        bus=bus,
        run_workers=run_workers,
    )
