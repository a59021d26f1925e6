from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import JwksVerifier

from .config import Settings
from .feed.endpoints import router as feed_router
from .feed.handlers import HANDLERS


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="notify-service",
        description=(
            "Notifications for officials: for now the in-app feed, fed by notification requests from the other "
            "services. E-mail, SMS, preferences and quiet hours arrive with the notify issue."
        ),
        routers=[feed_router],
        handlers=HANDLERS,
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
    )
