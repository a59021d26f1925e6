from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import Clock, JwksVerifier, SystemClock

from .assignment.endpoints import router as assignment_router
from .assignment.service import assignment as assignment_service
from .config import Settings
from .delivery.endpoints import router as delivery_router
from .delivery.service import delivery as delivery_service
from .dispatch.endpoints import router as dispatch_router
from .group.endpoints import router as group_router
from .handlers import HANDLERS
from .org.endpoints import router as org_router


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()
    app = create_service_app(
        settings,
        title="routing-service",
        description=(
            "The four-tier agency directory and recipient groups; dispatch of issued documents with one "
            "delivery per recipient, the edXML status trail (01 to 06, 15, 16), forwarding down the tree "
            "with its roll-up, and assignments with deadlines."
        ),
        routers=[org_router, group_router, dispatch_router, delivery_router, assignment_router],
        handlers=HANDLERS,
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
        workers=[delivery_service.worker(settings, clock), assignment_service.worker(settings, clock)],
    )
    # A plain value, not a resource: the runtime (engine, bus) still lives only in the lifespan.
    app.state.clock = clock
    return app
