from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app

from .agency.handlers import HANDLERS
from .config import Settings
from .user.endpoints import router as user_router


def create_app(
    settings: Settings | None = None, *, bus: EventBus | None = None, run_workers: bool = True
) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="identity-service",
        description="Users and the agencies they act for. Password and OTP login arrive with the identity issue.",
        routers=[user_router],
        handlers=HANDLERS,
        bus=bus,
        run_workers=run_workers,
    )
