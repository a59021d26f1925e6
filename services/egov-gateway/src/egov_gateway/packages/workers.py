"""The two loops that talk to the national axis, run in the service's runtime (``create_service_app(workers=...)``).

- ``send_outbound``: fetches the files' bytes from docs-service (outside any transaction; docs down:
  the package is retried with the send backoff, an unknown or altered content fails it finally),
  builds, signs and stores (as evidence) each pending outbound package once, hands
  it to the axis with the package id as message id (so a send repeated after a lost answer is stored
  once), and records sent / failed (retried with backoff) / finally failed.
- ``poll_inbound``: lists what the axis holds for our system after the stored cursor, downloads,
  parses safely and verifies each package, stores a document's attachments in docs-service (docs down:
  the package is left on the axis for the next poll), stores it with its evidence and events, marks its transport
  status ``done`` (or ``fail`` for a refused package, storing nothing), then advances the cursor.

No network call happens inside a database transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from egov_gateway.axis import AxisClient, AxisError, AxisRefused, PackageTooLarge, RetryPolicy
from egov_gateway.config import Settings
from egov_gateway.docs_client import DocsClient, DocsError, DocsRefused, DocsUnavailable
from egov_gateway.exchange import DocumentPackage, MalformedPackage, SigningKey
from egov_gateway.signing import key_from_settings
from kit_bus.runtime import Runtime, Worker
from kit_core import Clock, get_logger

from .service import Checked, packages

log = get_logger(__name__)


class Stopping(Exception):
    """The runtime is stopping: leave the pass at the next pause."""


class KeySource:
    """The agency's signing key from settings; in development and test a generated one (logged)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key: SigningKey | None = None

    def get(self) -> SigningKey | None:
        if self._key is None:
            self._key = key_from_settings(self.settings)
        return self._key


@contextlib.asynccontextmanager
async def axis_client(
    settings: Settings,
    runtime: Runtime,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    base_url: str | None = None,
) -> AsyncIterator[AxisClient]:
    async def sleep(seconds: float) -> None:
        if await runtime.pause(seconds):
            raise Stopping

    client = AxisClient(
        base_url=base_url or settings.axis_url,
        system_id=settings.axis_system_id,
        secret=settings.axis_secret.get_secret_value(),
        timeout=settings.axis_timeout_seconds,
        retry=RetryPolicy(
            retries=settings.axis_retries,
            base_seconds=settings.axis_backoff_seconds,
            max_seconds=settings.axis_backoff_max_seconds,
        ),
        max_package_bytes=settings.max_package_bytes,
        transport=transport,
        sleep=sleep,
    )
    async with client:
        yield client


async def send_pass(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AxisClient,
    docs: DocsClient,
    key: SigningKey,
    settings: Settings,
    clock: Clock,
) -> int:
    """One batch of due outbound packages; returns how many were tried."""
    async with sessionmaker() as session, session.begin():
        batch = await packages.claim_due(session, settings=settings, now=clock.now())
    for claimed in batch:
        try:  # the files' bytes come from docs-service, outside any transaction
            contents = {digest: await docs.fetch(digest) for digest in claimed.digests}
        except DocsError as exc:
            final = isinstance(exc, DocsRefused)
            log.warning(
                "outbound.files_unavailable", package_id=str(claimed.package_id), reason=str(exc), final=final
            )
            async with sessionmaker() as session, session.begin():
                await packages.send_failed(
                    session,
                    claimed.package_id,
                    f"the files could not be read from docs-service: {exc}",
                    settings=settings,
                    now=clock.now(),
                    final=final,
                )
            continue
        async with sessionmaker() as session, session.begin():
            item = await packages.prepare(
                session, claimed, contents, key=key, settings=settings, now=clock.now()
            )
        del contents
        if item is None:
            continue
        try:
            receipt = await client.send(
                item.raw, message_id=item.package_id, sender=item.sender_code, service_type=item.service_type
            )
        except AxisError as exc:
            final = isinstance(exc, AxisRefused) and exc.http_status not in (401, 403, 408, 409)
            log.warning("outbound.send_failed", package_id=str(item.package_id), reason=str(exc), final=final)
            async with sessionmaker() as session, session.begin():
                await packages.send_failed(
                    session, item.package_id, str(exc), settings=settings, now=clock.now(), final=final
                )
            continue
        async with sessionmaker() as session, session.begin():
            await packages.sent(session, item.package_id, receipt.doc_id, now=clock.now())
        log.info("outbound.sent", package_id=str(item.package_id), axis_doc_id=receipt.doc_id)
    return len(batch)


async def hand_over_files(docs: DocsClient, checked: Checked) -> None:
    """Store a received document's attachments in docs-service before it is announced, so the incoming
    copy finds them by digest. Unreachable: ``DocsUnavailable`` (the package waits for the next poll).
    A content docs-service refuses (an executable, a type it does not take) stays only in the package's
    evidence: the incoming copy lists it as missing."""
    if not isinstance(checked.package, DocumentPackage):
        return
    for attachment in checked.package.attachments:
        try:
            await docs.store(attachment.name, attachment.content_type, attachment.content)
        except DocsRefused as exc:
            log.warning("inbound.file_refused_by_docs", name=attachment.name, reason=str(exc))


async def poll_pass(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AxisClient,
    docs: DocsClient,
    settings: Settings,
    clock: Clock,
) -> int:
    """One page of the axis inbox after the cursor; returns how many packages it listed."""
    async with sessionmaker() as session:
        cursor = await packages.cursor(session)
    items = await client.received(after=cursor, limit=settings.inbound_batch)
    for item in items:
        async with sessionmaker() as session:
            known = await packages.known(session, item.doc_id)
        if not known:
            try:
                raw = await client.get(item.doc_id)
                checked = await asyncio.to_thread(partial(packages.check, raw, settings, at=clock.now()))
                if settings.reject_unsigned and not checked.verification.valid:
                    raise MalformedPackage(
                        f"the signature is {checked.verification.status.value} "
                        f"({checked.verification.reason}) and unsigned packages are refused"
                    )
            except (PackageTooLarge, MalformedPackage) as exc:
                log.warning("inbound.refused", axis_doc_id=item.doc_id, sender=item.sender, reason=str(exc))
                await client.update_status(item.doc_id, "fail")
                async with sessionmaker() as session, session.begin():
                    await packages.advance(session, item.seq, now=clock.now())
                continue
            except AxisRefused as exc:  # gone or not ours: nothing to take in
                log.warning("inbound.unreadable", axis_doc_id=item.doc_id, reason=str(exc))
                async with sessionmaker() as session, session.begin():
                    await packages.advance(session, item.seq, now=clock.now())
                continue
            await hand_over_files(docs, checked)  # DocsUnavailable ends the pass: no ack, no cursor move
            async with sessionmaker() as session, session.begin():
                package_id = await packages.take_in(session, item.doc_id, checked, now=clock.now())
            log.info(
                "inbound.received",
                axis_doc_id=item.doc_id,
                package_id=str(package_id),
                signature=checked.verification.status.value,
            )
        await client.update_status(item.doc_id, "done")
        async with sessionmaker() as session, session.begin():
            await packages.advance(session, item.seq, now=clock.now())
    return len(items)


def outbound_worker(
    settings: Settings,
    clock: Clock,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    docs_transport: httpx.AsyncBaseTransport | None = None,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> Worker:
    async def send_outbound(runtime: Runtime) -> None:
        keys = KeySource(settings)
        async with (
            axis_client(settings, runtime, transport) as client,
            DocsClient.from_settings(
                settings, docs_transport=docs_transport, identity_transport=identity_transport
            ) as docs,
        ):
            while True:
                try:
                    key = await asyncio.to_thread(keys.get)
                    if key is None:
                        log.error("outbound.no_signing_key", hint="set EGOV_SIGNING_KEY_PATH")
                    else:
                        while await send_pass(runtime.sessionmaker, client, docs, key, settings, clock) >= (
                            settings.outbound_batch
                        ):
                            pass
                except Stopping:
                    return
                except Exception:
                    log.exception("outbound.pass_failed")  # the next pass tries again
                if await runtime.pause(settings.outbound_poll_seconds):
                    return

    return send_outbound


def inbound_worker(
    settings: Settings,
    clock: Clock,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    docs_transport: httpx.AsyncBaseTransport | None = None,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> Worker:
    async def poll_inbound(runtime: Runtime) -> None:
        reachable = True  # warn when the axis goes away and when it is back, not on every pass
        docs_reachable = True
        async with (
            axis_client(settings, runtime, transport) as client,
            DocsClient.from_settings(
                settings, docs_transport=docs_transport, identity_transport=identity_transport
            ) as docs,
        ):
            while True:
                try:
                    while (
                        await poll_pass(runtime.sessionmaker, client, docs, settings, clock)
                        >= settings.inbound_batch
                    ):
                        pass
                    if not reachable:
                        log.info("inbound.axis_reachable_again")
                    if not docs_reachable:
                        log.info("inbound.docs_reachable_again")
                    reachable = docs_reachable = True
                except Stopping:
                    return
                except AxisError as exc:
                    if reachable:
                        log.warning("inbound.axis_unavailable", reason=str(exc))
                    reachable = False
                except DocsUnavailable as exc:
                    if docs_reachable:
                        log.warning("inbound.docs_unavailable", reason=str(exc))
                    docs_reachable = False
                except Exception:
                    log.exception("inbound.pass_failed")
                if await runtime.pause(settings.inbound_poll_seconds):
                    return

    return poll_inbound
