"""Sending: claim due deliveries, resolve the address, respect the rate limit, send through the
channel, record the attempt; retry temporary failures with exponential backoff and jitter up to
``max_attempts``; put back deliveries a crashed worker left in ``sending``.

Claims commit before anything is sent, and each result commits on its own, so a slow provider holds
no transaction open and a crash loses at most the in-flight sends (which the sweep retries).
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_core import get_logger, new_id
from notify_service import models
from notify_service.channels.base import Email, MailTransport, Outcome
from notify_service.dependencies import NotifyState
from notify_service.feed.schemas import FeedItem
from notify_service.feed.service import feed as feed_service
from notify_service.recipient.repository import UserRepository
from notify_service.sms import SmsOutcome

from .repository import DeliveryRepository

log = get_logger(__name__)
S = models.DeliveryStatus
HOUR: Final = timedelta(hours=1)
REDACTED: Final = "(nội dung đã được xoá sau khi gửi)"
RECEIPT_WAITS: Final = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # seconds, for a receipt that beat its own commit
_jitter = random.SystemRandom()


def backoff(attempt: int, *, base: float, cap: float) -> timedelta:
    """Exponential (base * 2^(attempt-1), at most ``cap``), then a random 50 to 100 % of it (jitter)."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return timedelta(seconds=delay * _jitter.uniform(0.5, 1.0))


class Sender:
    def __init__(
        self, state: NotifyState, sessionmaker: async_sessionmaker[AsyncSession], *, mail: MailTransport
    ) -> None:
        self.state, self.settings, self.clock = state, state.settings, state.clock
        self.sessionmaker, self.mail = sessionmaker, mail
        self._limit = asyncio.Semaphore(self.settings.send_concurrency)

    def channels(self) -> list[str]:
        # Without an SMS router, SMS deliveries are left in "created" until one is configured.
        return ["in_app", "email", *(["sms"] if self.state.sms is not None else [])]

    async def run_once(self) -> int:
        """Claim one batch and send it; the number claimed."""
        async with self.sessionmaker() as session, session.begin():
            claimed = await DeliveryRepository(session).claim_due(
                now=self.clock.now(), channels=self.channels(), limit=self.settings.send_batch
            )
        if claimed:
            await asyncio.gather(*(self._guarded(d) for d in claimed))
        return len(claimed)

    async def sweep(self) -> int:
        """Put back what a crashed worker left in ``sending``; fail what waited too long for a receipt."""
        now = self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            repo = DeliveryRepository(session)
            released = await repo.release_stuck(
                claimed_before=now - timedelta(seconds=self.settings.sending_timeout_seconds), now=now
            )
            expired = await repo.expire_unconfirmed(
                sent_before=now - timedelta(seconds=self.settings.receipt_timeout_seconds), now=now
            )
            self.state.metrics.set_queue(await repo.depth())
        if released:
            log.warning("delivery.stuck_released", deliveries=released)
        if expired:
            log.warning("delivery.receipt_timed_out", deliveries=expired)
        return released + expired

    async def _guarded(self, delivery: models.Delivery) -> None:
        async with self._limit:
            try:
                await self._process(delivery)
            except Exception:
                # It stays in "sending"; the sweep puts it back in line after sending_timeout_seconds.
                log.exception("delivery.processing_failed", delivery_id=str(delivery.id))

    async def _process(self, d: models.Delivery) -> None:
        started = self.clock.now()
        if d.channel == models.Channel.IN_APP:
            await self._in_app(d, started)
            return
        address = d.address
        if address is None:
            async with self.sessionmaker() as session:
                user = await UserRepository(session).get(d.user_id) if d.user_id else None
            what = "e-mail address" if d.channel == models.Channel.EMAIL else "phone number"
            if user is None:
                await self._finish(
                    d,
                    Outcome(
                        provider="none",
                        accepted=False,
                        temporary=True,
                        error=f"identity-service has not told notify about user {d.user_id} yet: no {what}",
                    ),
                    started=started,
                    retry_in=timedelta(seconds=self.settings.unknown_user_retry_seconds),
                )
                return
            address = user.email if d.channel == models.Channel.EMAIL else user.phone
            if not user.active or not address:
                error = (
                    f"user {d.user_id} is deactivated"
                    if not user.active
                    else f"user {d.user_id} has no {what} on file"
                )
                await self._finish(d, Outcome(provider="none", accepted=False, error=error), started=started)
                return
        if d.user_id is not None and await self._postponed_by_rate_limit(d, d.user_id, started):
            return
        if d.channel == models.Channel.EMAIL:
            outcome = await self.mail.send(
                Email(to=address, subject=d.title or "", plain=d.body, html=d.html, reference=str(d.id)),
                at=started,
            )
        elif self.state.sms is not None:
            outcome = self._from_sms(await self.state.sms.send(to=address, text=d.body, reference=str(d.id)))
        else:  # not claimed without a router; a router taken away mid-run leaves it for later
            outcome = Outcome(
                provider="none", accepted=False, temporary=True, error="no SMS router configured"
            )
        await self._finish(d, outcome, started=started, address=address)

    @staticmethod
    def _from_sms(sms: SmsOutcome) -> Outcome:
        return Outcome(
            provider=sms.provider,
            accepted=sms.accepted,
            temporary=sms.temporary,
            provider_message_id=sms.provider_message_id,
            error=sms.error,
            elapsed_ms=sms.elapsed_ms,
            awaiting_receipt=sms.accepted,
        )

    async def _postponed_by_rate_limit(self, d: models.Delivery, user_id: UUID, now: datetime) -> bool:
        limit = (
            self.settings.critical_rate_limit_per_hour if d.critical else self.settings.rate_limit_per_hour
        )
        async with self.sessionmaker() as session, session.begin():
            repo = DeliveryRepository(session)
            sent = await repo.sent_since(user_id, d.channel, since=now - HOUR, critical=d.critical)
            if len(sent) < limit:
                return False
            until = sent[len(sent) - limit] + HOUR  # when the window holds one fewer
            row = await repo.by_id(d.id)
            if row is None or row.status != S.SENDING:
                return True
            row.status, row.next_attempt_at, row.updated_at = S.CREATED.value, until, now
            row.error = f"rate limit: {limit} {d.channel} per hour for this recipient; waits until {until.isoformat()}"
        self.state.metrics.count(d.channel, "none", "rate-limited")
        log.info("delivery.rate_limited", delivery_id=str(d.id), channel=d.channel, until=until.isoformat())
        return True

    async def _in_app(self, d: models.Delivery, now: datetime) -> None:
        async with self.sessionmaker() as session, session.begin():
            repo = DeliveryRepository(session)
            row = await repo.by_id(d.id)
            if row is None or row.status != S.SENDING:
                return
            key = await repo.notification_key(row.notification_id)
            added = await feed_service.add(session, row, key=key, at=now)
            self._record(session, row, Outcome(provider="feed", accepted=True), started=now, now=now)
        self.state.metrics.count("in_app", "feed", "delivered")
        if added and row.user_id is not None:
            item = FeedItem(
                id=row.id,
                user_id=row.user_id,
                kind=row.kind,
                title=(row.title or "")[:255],
                body=row.body,
                data=row.data,
                created_at=now,
                read_at=None,
            )
            self.state.hub.publish(row.user_id, item.model_dump(mode="json"))

    async def _finish(
        self,
        d: models.Delivery,
        outcome: Outcome,
        *,
        started: datetime,
        address: str | None = None,
        retry_in: timedelta | None = None,
    ) -> None:
        now = self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            row = await DeliveryRepository(session).by_id(d.id)
            if row is None or row.status != S.SENDING:
                return  # the sweep or a receipt got there first
            if address is not None:
                row.address = address
            status = self._record(session, row, outcome, started=started, now=now, retry_in=retry_in)
        label = "sent" if outcome.accepted and outcome.awaiting_receipt else status
        self.state.metrics.count(d.channel, outcome.provider, label)
        log.info(
            "delivery.attempted",
            delivery_id=str(d.id),
            channel=d.channel,
            provider=outcome.provider,
            status=status,
            attempt=row.attempts,
            error=outcome.error,
        )

    def _record(
        self,
        session: AsyncSession,
        row: models.Delivery,
        outcome: Outcome,
        *,
        started: datetime,
        now: datetime,
        retry_in: timedelta | None = None,
    ) -> str:
        number = row.attempts + 1
        row.attempts, row.provider, row.updated_at = number, outcome.provider, now
        if outcome.accepted:
            row.sent_at, row.provider_message_id, row.error = now, outcome.provider_message_id, None
            if outcome.awaiting_receipt:
                status = S.SENDING.value  # sent_at set: the sweep leaves it to the receipt
            else:
                status, row.completed_at = S.DELIVERED.value, now
        elif outcome.temporary and number < self.settings.max_attempts:
            status, row.error = S.TEMPORARY_FAILURE.value, outcome.error
            row.next_attempt_at = now + (
                retry_in
                or backoff(number, base=self.settings.retry_base_seconds, cap=self.settings.retry_max_seconds)
            )
        else:
            status, row.completed_at = S.PERMANENT_FAILURE.value, now
            row.error = (
                f"{outcome.error} (gave up after {number} attempts)" if outcome.temporary else outcome.error
            )
        row.status = status
        if row.kind == "auth.otp" and status in (S.DELIVERED, S.PERMANENT_FAILURE):
            row.body, row.html = (
                REDACTED,
                None,
            )  # a code is worth nothing once sent, and nobody needs to read it
        session.add(
            models.DeliveryAttempt(
                id=new_id(),
                delivery_id=row.id,
                number=number,
                provider=outcome.provider,
                started_at=started,
                finished_at=now,
                outcome=("sent" if outcome.awaiting_receipt else S.DELIVERED.value)
                if outcome.accepted
                else status,
                error=outcome.error,
                elapsed_ms=outcome.elapsed_ms,
            )
        )
        return status

    async def on_receipt(self, reference: str, delivered: bool, detail: str) -> None:
        """An SMS provider's delivery receipt: the delivery (its id is the reference) is finished.

        A fast provider's receipt can overtake the commit recording that it accepted the message: the
        receipt then waits for that commit (briefly) rather than being lost.
        """
        try:
            delivery_id = UUID(reference)
        except ValueError:
            log.warning("delivery.receipt_unknown_reference", reference=reference)
            return
        for wait in (0.0, *RECEIPT_WAITS):
            await asyncio.sleep(wait)
            outcome = await self._apply_receipt(delivery_id, delivered, detail)
            if outcome != "early":
                break
        log.info("delivery.receipt", reference=reference, delivered=delivered, outcome=outcome)

    async def _apply_receipt(self, delivery_id: UUID, delivered: bool, detail: str) -> str:
        now = self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            row = await DeliveryRepository(session).by_id(delivery_id)
            if row is None or row.status != S.SENDING:
                return "ignored"  # unknown, or already final (a repeated receipt)
            if row.sent_at is None:
                return "early"
            row.status = S.DELIVERED.value if delivered else S.PERMANENT_FAILURE.value
            row.completed_at, row.updated_at = now, now
            row.error = None if delivered else detail
            if row.kind == "auth.otp":
                row.body, row.html = REDACTED, None
            provider, status = row.provider or "sms", row.status
        self.state.metrics.count("sms", provider, status)
        return status
