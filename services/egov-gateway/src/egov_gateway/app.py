from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import JwksVerifier

from .config import Settings
from .directory_sync.endpoints import router as directory_router
from .directory_sync.handlers import HANDLERS


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="egov-gateway",
        description=(
            "The gateway to the national document axis (Trục liên thông văn bản quốc gia). For now its routing "
            "table: every agency in the directory, and whether it is served here or reached through the axis. "
            "Sending and receiving documents arrive with the gateway issue."
        ),
        routers=[directory_router],
        handlers=HANDLERS,
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
    )
