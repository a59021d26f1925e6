from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import Clock, JwksVerifier, SystemClock

from .agency.handlers import make_handlers
from .config import Settings
from .register.endpoints import router as register_router


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    clock: Clock | None = None,
    verifier: JwksVerifier | None = None,
) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="docs-service",
        description=(
            "Document registers (sổ đăng ký văn bản) per agency and year, per Nghị định 30/2020/NĐ-CP. "
            "Documents, numbering and signing arrive with the docs issue."
        ),
        routers=[register_router],
        handlers=make_handlers(clock or SystemClock()),
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
    )
