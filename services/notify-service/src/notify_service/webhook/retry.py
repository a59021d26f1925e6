"""When to retry a webhook delivery, and when.

Retry on no answer (connection errors, timeouts), 5xx, 408 and 429; every other 4xx is the partner
refusing this delivery and is not retried; 2xx is done. The schedule is exponential with a cap per
step and keeps going until at least ``total`` (24 h by default) has passed since the first attempt, so
a partner down for a day still gets everything; ``Retry-After`` on 429/503 is honoured when it asks
for longer, within the per-step cap. Jitter spreads retries of many deliveries that failed together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Decision(StrEnum):
    DONE = "done"
    RETRY = "retry"
    GIVE_UP = "give_up"


def classify(status: int | None) -> Decision:
    """``status`` None means no HTTP answer at all (network error, timeout, TLS failure)."""
    if status is None or status >= 500 or status in (408, 425, 429):
        return Decision.RETRY
    if 200 <= status < 300:
        return Decision.DONE
    return Decision.GIVE_UP


def retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """``Retry-After`` as delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


@dataclass(frozen=True)
class RetryPolicy:
    initial: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=6)
    total: timedelta = timedelta(hours=24)
    jitter: float = 0.1  # each delay is moved by up to ±10 %

    def __post_init__(self) -> None:
        if self.initial <= timedelta(0) or self.factor < 1 or self.max_delay < self.initial:
            raise ValueError("initial must be positive, factor at least 1, max_delay at least initial")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def base_delay(self, retry: int) -> timedelta:
        """The delay before retry number ``retry`` (0 = the first retry), without jitter."""
        seconds = self.initial.total_seconds() * self.factor ** min(retry, 64)
        return min(timedelta(seconds=seconds), self.max_delay)

    def schedule(self) -> list[timedelta]:
        """The delays, without jitter, until their sum reaches ``total``."""
        delays: list[timedelta] = []
        while sum(delays, timedelta(0)) < self.total:
            delays.append(self.base_delay(len(delays)))
        return delays

    def next_attempt_at(
        self,
        *,
        retry: int,
        first_attempt_at: datetime,
        now: datetime,
        retry_after: timedelta | None = None,
        rng: random.Random | None = None,
    ) -> datetime | None:
        """When to try again after ``retry`` earlier retries; None once ``total`` has passed."""
        if now - first_attempt_at >= self.total:
            return None
        delay = self.base_delay(retry)
        if self.jitter:
            spread = (rng or random.Random()).uniform(-self.jitter, self.jitter)  # noqa: S311 - timing, not security
            delay = delay * (1 + spread)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_delay))
        return now + delay
