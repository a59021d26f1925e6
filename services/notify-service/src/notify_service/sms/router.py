"""``SmsRouter``: one ``send`` picks providers by priority and health, fails over at once on a
temporary failure (bounded by ``max_attempts``), never retries a permanent one elsewhere, and feeds
every outcome back into the health window. Delivery receipts come back through ``handle_receipt``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kit_core import Clock, SystemClock, get_logger

from .base import ProviderResult, Receipt, SmsProvider, Verdict
from .health import HealthPolicy, ProviderHealth, ProviderState, ProviderTracker

log = get_logger(__name__)
_E164 = re.compile(r"\+[1-9]\d{6,14}")

ReceiptCallback = Callable[[str, bool, str], Awaitable[None]]


@dataclass(frozen=True)
class SmsOutcome:
    provider: str
    accepted: bool
    temporary: bool
    provider_message_id: str | None
    error: str | None
    elapsed_ms: float


class UnknownProvider(LookupError):
    pass


class ReceiptNotAuthorized(PermissionError):
    pass


class SmsRouter:
    def __init__(
        self,
        providers: Sequence[SmsProvider],
        *,
        policy: HealthPolicy | None = None,
        clock: Clock | None = None,
        max_attempts: int = 3,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        names = [p.name for p in providers]
        if len(set(names)) != len(names):
            raise ValueError(f"provider names must be unique: {names}")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.policy = policy or HealthPolicy()
        self.clock: Clock = clock or SystemClock()
        self.max_attempts = max_attempts
        self._timer = timer
        self._providers = list(providers)
        self._trackers = {p.name: ProviderTracker(p.name, i, self.policy) for i, p in enumerate(providers)}
        self._callbacks: list[ReceiptCallback] = []
        self.submissions: Counter[tuple[str, Verdict]] = Counter()

    def plan(self) -> list[SmsProvider]:
        """The providers one send will try, in order (at most ``max_attempts``).

        A provider due for a probe goes first; then the healthy ones by priority. With none healthy,
        all the others follow by priority: trying a provider that is down beats not sending at all.
        A timeout is ambiguous (the provider may have taken the message), yet the next provider is
        tried: a one-time code that never arrives is worse than one that arrives twice.
        """
        now = self.clock.now()
        probe = next((p for p in self._providers if self._trackers[p.name].probe_due(now)), None)
        healthy = [p for p in self._providers if self._trackers[p.name].state(now) is ProviderState.HEALTHY]
        order = ([probe] if probe else []) + healthy
        if not healthy:
            order += [p for p in self._providers if p is not probe]
        if probe is not None:
            self._trackers[probe.name].start_probe(now)
        return order[: self.max_attempts]

    async def send(self, *, to: str, text: str, reference: str) -> SmsOutcome:
        started = self._timer()
        if not _E164.fullmatch(to):
            return SmsOutcome("", False, False, None, "the number is not in E.164 form (+84…)", 0.0)
        if not text:
            return SmsOutcome("", False, False, None, "the message is empty", 0.0)
        outcome = SmsOutcome("", False, True, None, "no SMS provider is configured", 0.0)
        for provider in self.plan():
            attempt_started = self._timer()
            try:
                result = await provider.submit(to=to, text=text, reference=reference)
            except Exception as exc:
                # A bug in one adapter must not stop the others from taking the message.
                log.exception("sms.provider_crashed", provider=provider.name, reference=reference)
                result = ProviderResult(Verdict.TEMPORARY, error=f"adapter error: {type(exc).__name__}")
            latency_ms = (self._timer() - attempt_started) * 1000
            self.submissions[(provider.name, result.verdict)] += 1
            self._trackers[provider.name].record(
                self.clock.now(), ok=result.verdict is not Verdict.TEMPORARY, latency_ms=latency_ms
            )
            outcome = SmsOutcome(
                provider=provider.name,
                accepted=result.verdict is Verdict.ACCEPTED,
                temporary=result.verdict is Verdict.TEMPORARY,
                provider_message_id=result.provider_message_id,
                error=result.error,
                elapsed_ms=(self._timer() - started) * 1000,
            )
            if result.verdict is not Verdict.TEMPORARY:
                break
            log.warning("sms.failover", provider=provider.name, reference=reference, error=result.error)
        log.info(
            "sms.sent" if outcome.accepted else "sms.not_sent",
            provider=outcome.provider,
            reference=reference,
            temporary=outcome.temporary,
            error=outcome.error,
            elapsed_ms=round(outcome.elapsed_ms, 1),
        )
        return outcome

    def on_receipt(self, callback: ReceiptCallback) -> None:
        """Call ``callback(reference, delivered, detail)`` for every authenticated receipt."""
        self._callbacks.append(callback)

    def provider(self, name: str) -> SmsProvider:
        for provider in self._providers:
            if provider.name == name:
                return provider
        raise UnknownProvider(name)

    async def handle_receipt(
        self, provider_name: str, *, authorization: str | None, payload: Mapping[str, Any]
    ) -> Receipt:
        """Authenticate and parse a receipt, then run the callbacks; an unknown provider is refused
        the same way as a wrong secret, so the endpoint does not reveal provider names."""
        try:
            provider = self.provider(provider_name)
        except UnknownProvider:
            raise ReceiptNotAuthorized(provider_name) from None
        if not provider.receipt_authorized(authorization):
            raise ReceiptNotAuthorized(provider_name)
        receipt = provider.parse_receipt(payload)
        log.info(
            "sms.receipt",
            provider=provider_name,
            reference=receipt.reference,
            delivered=receipt.delivered,
            detail=receipt.detail,
        )
        for callback in self._callbacks:
            await callback(receipt.reference, receipt.delivered, receipt.detail)
        return receipt

    def health(self) -> list[ProviderHealth]:
        now = self.clock.now()
        return [self._trackers[p.name].snapshot(now) for p in self._providers]
