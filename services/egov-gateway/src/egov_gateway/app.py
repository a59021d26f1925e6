import httpx
from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import Clock, JwksVerifier, SystemClock

from .config import Settings
from .directory_sync.endpoints import router as directory_router
from .packages.endpoints import router as packages_router
from .packages.workers import inbound_worker, outbound_worker
from .stats.endpoints import router as stats_router
from .stats.workers import publish_worker
from .wiring import handlers


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
    clock: Clock | None = None,
    axis_transport: httpx.AsyncBaseTransport | None = None,
    docs_transport: httpx.AsyncBaseTransport | None = None,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``axis_transport`` reaches the axis some other way than the network (tests: the sandbox in process);
    ``docs_transport`` and ``identity_transport`` likewise docs-service and identity-service (the
    embedded host and the tests: the apps in process)."""
    peers = {"docs_transport": docs_transport, "identity_transport": identity_transport}
    settings = settings or Settings()
    clock = clock or SystemClock()
    app = create_service_app(
        settings,
        title="egov-gateway",
        description=(
            "The gateway to the national document axis (Trục liên thông văn bản quốc gia): its routing table "
            "(every agency, served here or reached through the axis), the edXML packages sent and received, "
            "their stored evidence, and the monthly statistics published to the Government portal."
        ),
        routers=[directory_router, packages_router, stats_router],
        handlers=handlers(clock),
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
        workers=[
            outbound_worker(settings, clock, transport=axis_transport, **peers),
            inbound_worker(settings, clock, transport=axis_transport, **peers),
            publish_worker(settings, clock, transport=axis_transport),
        ],
    )
    app.state.settings = settings
    return app
