"""Posting webhook deliveries: part of the one sending worker (``delivery.worker``).

Claim due deliveries of active subscriptions (a short transaction), post each outside any
transaction, record the result in its own. The SSRF guard runs again right before each post (DNS may
have changed since the subscription was saved). The body is the exact bytes stored at recording;
each attempt is signed anew (fresh ``webhook-timestamp``) with the subscription's active secrets.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_core import get_logger
from notify_service import models
from notify_service.dependencies import NotifyState

from .exceptions import TargetRefused
from .repository import SubscriptionRepository, WebhookDeliveryRepository
from .retry import Decision, RetryPolicy, classify, retry_after
from .service import check_url, webhooks
from .signing import WebhookSigner

log = get_logger(__name__)


class WebhookSender:
    def __init__(
        self,
        state: NotifyState,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        http: httpx.AsyncClient,
    ) -> None:
        self.state, self.settings, self.clock = state, state.settings, state.clock
        self.sessionmaker, self.http = sessionmaker, http
        s = self.settings
        self.policy = RetryPolicy(
            initial=timedelta(seconds=s.webhook_retry_initial_seconds),
            max_delay=timedelta(seconds=max(s.webhook_retry_max_seconds, s.webhook_retry_initial_seconds)),
            total=timedelta(hours=s.webhook_retry_total_hours),
        )
        self._limit = asyncio.Semaphore(s.send_concurrency)

    async def run_once(self) -> int:
        async with self.sessionmaker() as session, session.begin():
            claimed = await WebhookDeliveryRepository(session).claim_due(
                now=self.clock.now(), limit=self.settings.send_batch
            )
            subs = {
                s.id: s
                for s in [
                    await SubscriptionRepository(session).by_id(i)
                    for i in {d.subscription_id for d in claimed}
                ]
                if s is not None
            }
            session.expunge_all()
        if claimed:
            await asyncio.gather(*(self._guarded(d, subs.get(d.subscription_id)) for d in claimed))
        return len(claimed)

    async def sweep(self) -> int:
        """Put back what a crashed worker left in ``sending``; forget deliveries finished long ago."""
        now = self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            repo = WebhookDeliveryRepository(session)
            released = await repo.release_stuck(
                claimed_before=now - timedelta(seconds=self.settings.sending_timeout_seconds), now=now
            )
            await repo.purge(finished_before=now - timedelta(days=self.settings.webhook_keep_days))
        return released

    async def _guarded(self, d: models.WebhookDelivery, sub: models.WebhookSubscription | None) -> None:
        async with self._limit:
            try:
                await self._post(d, sub)
            except Exception:
                log.exception("webhook.processing_failed", delivery_id=str(d.id))

    async def _post(self, d: models.WebhookDelivery, sub: models.WebhookSubscription | None) -> None:
        if sub is None:  # deleted meanwhile (the cascade removes the delivery too)
            return
        started = self.clock.now()
        status: int | None = None
        wait: timedelta | None = None
        error: str | None = None
        elapsed = time.perf_counter()
        try:
            await check_url(self.settings, sub.url, allow_private=sub.allow_private)
        except TargetRefused as exc:
            await self._record(
                d.id, sub.id, status=None, error=f"target refused: {exc}", give_up=True, wait=None
            )
            return
        body = d.body.encode()
        headers = WebhookSigner(sub.active_secrets(started), clock=self.clock).headers(str(d.id), body)
        headers["content-type"] = "application/json"
        headers["user-agent"] = "vanban-notify-webhooks/1"
        try:
            response = await self.http.post(
                sub.url, content=body, headers=headers, timeout=self.settings.webhook_timeout_seconds
            )
            status = response.status_code
            wait = retry_after(response.headers.get("retry-after"), now=started)
            if classify(status) != Decision.DONE:
                error = f"HTTP {status}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        log.info(
            "webhook.attempted",
            delivery_id=str(d.id),
            subscription_id=str(sub.id),
            status=status,
            error=error,
            elapsed_ms=round((time.perf_counter() - elapsed) * 1000, 1),
        )
        await self._record(d.id, sub.id, status=status, error=error, give_up=False, wait=wait)

    async def _record(
        self,
        delivery_id: UUID,
        subscription_id: UUID,
        *,
        status: int | None,
        error: str | None,
        give_up: bool,
        wait: timedelta | None,
    ) -> None:
        now = self.clock.now()
        decision = Decision.GIVE_UP if give_up else classify(status)
        async with self.sessionmaker() as session, session.begin():
            row = await WebhookDeliveryRepository(session).by_id(delivery_id)
            if row is None or row.status != "sending":
                return
            sub = await SubscriptionRepository(session).by_id(subscription_id, for_update=True)
            if sub is None:
                return
            row.attempts += 1
            row.first_attempt_at = row.first_attempt_at or now
            row.last_status_code, row.error, row.updated_at = status, error, now
            outcome = "delivered"
            if decision == Decision.DONE:
                row.status, row.completed_at = "delivered", now
                sub.consecutive_failures, sub.failing_since = 0, None
            else:
                when = None
                if decision == Decision.RETRY:
                    when = self.policy.next_attempt_at(
                        retry=row.attempts - 1,
                        first_attempt_at=row.first_attempt_at,
                        now=now,
                        retry_after=wait,
                    )
                if when is not None:
                    row.status, row.next_attempt_at = "temporary-failure", when
                    outcome = "temporary-failure"
                else:
                    row.status, row.completed_at = "permanent-failure", now
                    outcome = "permanent-failure"
                    sub.consecutive_failures += 1
                    sub.failing_since = sub.failing_since or row.first_attempt_at
                    failing_for = now - sub.failing_since
                    if sub.status == models.SubscriptionStatus.ACTIVE and (
                        sub.consecutive_failures >= self.settings.webhook_pause_after_failures
                        or failing_for >= self.policy.total
                    ):
                        await webhooks.pause(session, sub, reason=error or "failing", state=self.state)
        self.state.metrics.count("webhook", "http", outcome)
