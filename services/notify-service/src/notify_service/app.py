import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import Clock, JwksVerifier, SystemClock

from .config import Settings
from .delivery.service import Sender
from .delivery.worker import mail_transport, sending_worker
from .dependencies import NotifyState
from .feed.endpoints import router as feed_router
from .notification.endpoints import router as notification_router
from .notification.handlers import make_handlers
from .preference.endpoints import router as preference_router
from .sms import SmsCollector, SmsRouter, health_router, receipts_router
from .sms.settings import SmsSettings, build_sms_router
from .template.endpoints import router as template_router
from .webhook.endpoints import router as webhook_router
from .webhook.handlers import make_webhook_handlers


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    verifier: JwksVerifier | None = None,
    clock: Clock | None = None,
    sms: SmsRouter | None = None,
    sms_settings: SmsSettings | None = None,
) -> FastAPI:
    """``sms``: the SMS router (``notify_service.sms.open_sms_router``), opened by whoever hosts the app
    for as long as it runs (the embedded host); or ``sms_settings``, from which the app builds its own
    router and closes its HTTP client on shutdown (``python -m notify_service serve|worker``); with
    neither, SMS deliveries wait in ``created``."""
    settings = settings or Settings()
    sms_http: httpx.AsyncClient | None = None
    if sms is None and sms_settings is not None:
        sms_settings.check_secrets(settings.env)
        sms_http = httpx.AsyncClient(follow_redirects=False)  # no I/O until the first send
        sms = build_sms_router(sms_settings, sms_http, clock=clock)
    state = NotifyState(settings=settings, clock=clock or SystemClock(), sms=sms)
    # Fixed paths before /api/v1/notifications/{notification_id}.
    routers = [feed_router, template_router, preference_router, webhook_router]
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
            "and tracked attempt by attempt; partner webhooks (signed, retried for a day, paused when failing) "
            "for routing's delivery statuses and docs' issued documents; a daily digest of pending work."
        ),
        routers=[*routers, notification_router],
        handlers={**make_handlers(state), **make_webhook_handlers(state)},
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
        workers=[sending_worker(state)],
    )
    app.state.notify = state
    _keep_sessionmaker(app, state, closing=sms_http)
    if sms is not None:
        # Receipts are applied by the API process itself, through the database: `serve --no-workers`
        # (compose, k8s) confirms SMS as well as a process that also runs the worker.
        async def on_receipt(reference: str, delivered: bool, detail: str) -> None:
            if state.sessionmaker is None:
                raise RuntimeError("an SMS receipt arrived before the app started")
            receipts = Sender(state, state.sessionmaker, mail=mail_transport(settings))
            await receipts.on_receipt(reference, delivered, detail)

        sms.on_receipt(on_receipt)
    app.state.settings = settings
    state.metrics.streams = lambda: state.hub.streams
    app.state.metrics_registry.register(state.metrics)
    if sms is not None:
        app.state.metrics_registry.register(SmsCollector(sms, service=settings.service_name))
    return app


def _keep_sessionmaker(app: FastAPI, state: NotifyState, *, closing: httpx.AsyncClient | None) -> None:
    """Expose the runtime's sessionmaker to code outside requests and workers (SMS receipt callbacks),
    and close the SMS router's HTTP client, if the app made one, when the app stops."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        try:
            async with inner(app) as values:
                if values is None:
                    raise RuntimeError("the service lifespan yields its state")
                state.sessionmaker = values["sessionmaker"]
                try:
                    yield values
                finally:
                    state.sessionmaker = None
        finally:
            if closing is not None:
                await closing.aclose()

    app.router.lifespan_context = lifespan
