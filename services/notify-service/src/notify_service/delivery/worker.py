"""The sending worker: a loop in the service's runtime (``create_service_app(workers=[...])``).

It wakes when a commit recorded new deliveries (in this process) or every ``send_poll_seconds``
(deliveries another process recorded, retries and quiet hours coming due), and sweeps for stuck
deliveries every ``sweep_interval_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from kit_bus.runtime import Runtime, Worker
from kit_core import get_logger
from kit_db import listen
from notify_service.channels.base import MailTransport
from notify_service.channels.sink import FileTransport
from notify_service.channels.smtp import SmtpTransport
from notify_service.config import Settings
from notify_service.dependencies import NotifyState
from notify_service.digest.service import Digest
from notify_service.notification.service import WAKE_CHANNEL
from notify_service.webhook.sender import WebhookSender

from .service import Sender

log = get_logger(__name__)


def mail_transport(settings: Settings) -> MailTransport:
    if settings.mail_transport == "file":
        return FileTransport(folder=settings.mail_folder, sender=settings.mail_from)
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_from,
        security=settings.smtp_security,
        username=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.smtp_timeout_seconds,
    )


async def _wait(runtime: Runtime, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(runtime.stopping.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter


def sending_worker(state: NotifyState) -> Worker:
    async def notify_sender(runtime: Runtime) -> None:
        settings = state.settings
        sender = Sender(state, runtime.sessionmaker, mail=mail_transport(settings))
        state.sender = sender
        if state.sms is None:
            log.warning(
                "notify.sms_not_configured",
                detail="no SMS router: SMS deliveries stay in 'created' until one is configured",
            )
        log.info("notify.sender_started", mail=settings.mail_transport, channels=sender.channels())
        next_sweep = 0.0
        postgres = runtime.engine.dialect.name == "postgresql"
        # No redirects for webhooks: a 3xx could lead past the SSRF guard; the partner fixes its URL instead.
        async with httpx.AsyncClient(follow_redirects=False) as http, contextlib.AsyncExitStack() as stack:
            hooks = WebhookSender(state, runtime.sessionmaker, http=http)
            digest = Digest(state, runtime.sessionmaker)
            listening = False
            while not runtime.stopping.is_set():
                claimed = 0
                try:
                    if postgres and not listening:  # wake on another process's commit, too
                        listening = await stack.enter_async_context(
                            listen(runtime.engine, WAKE_CHANNEL, state.wake)
                        )
                    state.wake.clear()
                    if time.monotonic() >= next_sweep:
                        await sender.sweep()
                        await hooks.sweep()
                        await digest.run()  # once a day per user, at NOTIFY_DIGEST_TIME
                        next_sweep = time.monotonic() + settings.sweep_interval_seconds
                    counts = await asyncio.gather(sender.run_once(), hooks.run_once())
                    claimed = max(counts)
                except Exception:
                    log.exception("notify.sender_failed")  # the database is away, say: try at the next tick
                    if listening:  # the LISTEN connection may be the broken part; reopen it
                        await stack.aclose()
                        listening = False
                if claimed >= settings.send_batch:
                    continue  # more may be due right now
                await _wait(runtime, state.wake, settings.send_poll_seconds)
        state.sender = None

    return notify_sender
