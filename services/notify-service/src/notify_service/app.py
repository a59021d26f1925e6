from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import Clock, JwksVerifier, SystemClock

from .config import Settings
from .delivery.worker import sending_worker
from .dependencies import NotifyState
from .feed.endpoints import router as feed_router
from .notification.endpoints import router as notification_router
from .notification.handlers import make_handlers
from .preference.endpoints import router as preference_router
from .sms import SmsCollector, SmsRouter, health_router, receipts_router
from .template.endpoints import router as template_router


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
    clock: Clock | None = None,
    sms: SmsRouter | None = None,
) -> FastAPI:
    """``sms``: the SMS router (``notify_service.sms.open_sms_router``), opened by whoever hosts the app
    for as long as it runs; without one, SMS deliveries wait in ``created``."""
    settings = settings or Settings()
    state = NotifyState(settings=settings, clock=clock or SystemClock(), sms=sms)
    # Fixed paths before /api/v1/notifications/{notification_id}.
    routers = [feed_router, template_router, preference_router]
    if sms is not None:  # its providers' delivery receipts and their health
        routers += [receipts_router(sms), health_router(sms)]
    app = create_service_app(
        settings,
        title="notify-service",
        description=(
            "Tells people what happened: requests from the other services (events) and administrators (API) "
            "become one delivery per recipient and channel — the in-app feed (with a live SSE stream), e-mail "
            "and SMS — rendered from versioned Vietnamese templates, filtered by each user's preferences and "
            "held by their quiet hours (critical requests excepted), sent in the background with retries, "
            "and tracked attempt by attempt."
        ),
        routers=[*routers, notification_router],
        handlers=make_handlers(state),
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
        workers=[sending_worker(state)],
    )
    app.state.notify = state
    app.state.settings = settings
    state.metrics.streams = lambda: state.hub.streams
    app.state.metrics_registry.register(state.metrics)
    if sms is not None:
        app.state.metrics_registry.register(SmsCollector(sms, service=settings.service_name))
    return app
