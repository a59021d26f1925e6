"""Provider health: pure bookkeeping over a sliding window, driven by an injected clock.

Each provider is in one of three states:

- ``healthy``: it takes traffic in priority order. Every submission adds a sample (time, provider-
  level success or error, latency). It trips to ``down`` when, within the window (60 s), the errors
  reach ``max_errors``, or their share reaches ``max_error_ratio`` over at least ``min_samples``
  submissions, or the p90 latency reaches ``slow_p90_ms`` over at least ``min_samples``.
- ``down``: no traffic for ``cooldown_seconds``.
- ``probing``: after the cool-down, one message per ``probe_interval_seconds`` tries it first (with
  the healthy providers still behind it in the same send). ``recovery_probes`` successes in a row
  make it healthy again, with an empty window; one error sends it back to ``down`` for another
  cool-down. That is the hysteresis: a provider that failed must prove itself for a while before it
  gets the traffic back, so two providers never swap on every other message.

GOV.UK Notify shifts traffic shares in 10-point steps on > 50 errors in 60 s or slow deliveries and
drifts back over minutes; with two or three providers for one country, whole-provider switching
with probes is simpler to reason about and gives the same protection.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ProviderState(StrEnum):
    HEALTHY = "healthy"
    DOWN = "down"
    PROBING = "probing"


@dataclass(frozen=True)
class HealthPolicy:
    window_seconds: float = 60.0
    max_errors: int = 10
    max_error_ratio: float = 0.5
    min_samples: int = 5
    slow_p90_ms: float = 5000.0
    cooldown_seconds: float = 60.0
    probe_interval_seconds: float = 10.0
    recovery_probes: int = 3

    def __post_init__(self) -> None:
        if self.window_seconds <= 0 or self.cooldown_seconds < 0 or self.probe_interval_seconds < 0:
            raise ValueError("window must be positive, cool-down and probe interval not negative")
        if self.max_errors < 1 or self.min_samples < 1 or self.recovery_probes < 1:
            raise ValueError("max_errors, min_samples and recovery_probes must be at least 1")
        if not 0 < self.max_error_ratio <= 1:
            raise ValueError("max_error_ratio must be in (0, 1]")


@dataclass(frozen=True)
class ProviderHealth:
    provider: str
    priority: int
    state: ProviderState
    attempts: int
    errors: int
    error_ratio: float
    latency_mean_ms: float | None
    latency_p90_ms: float | None
    down_since: datetime | None
    reason: str | None
    probe_successes: int


@dataclass(frozen=True)
class _Sample:
    at: datetime
    ok: bool
    latency_ms: float


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


class ProviderTracker:
    def __init__(self, name: str, priority: int, policy: HealthPolicy) -> None:
        self.name = name
        self.priority = priority
        self.policy = policy
        self._samples: deque[_Sample] = deque()
        self._down_since: datetime | None = None
        self._reason: str | None = None
        self._probe_successes = 0
        self._next_probe_at: datetime | None = None

    def state(self, now: datetime) -> ProviderState:
        if self._down_since is None:
            return ProviderState.HEALTHY
        if now - self._down_since >= timedelta(seconds=self.policy.cooldown_seconds):
            return ProviderState.PROBING
        return ProviderState.DOWN

    def probe_due(self, now: datetime) -> bool:
        return self.state(now) is ProviderState.PROBING and (
            self._next_probe_at is None or now >= self._next_probe_at
        )

    def start_probe(self, now: datetime) -> None:
        self._next_probe_at = now + timedelta(seconds=self.policy.probe_interval_seconds)

    def record(self, now: datetime, *, ok: bool, latency_ms: float) -> None:
        """One submission's outcome: ``ok`` is False only for provider-level (temporary) failures."""
        state = self.state(now)
        if state is ProviderState.DOWN:
            return  # a straggler sent before the trip: the cool-down decides, not late answers
        if state is ProviderState.PROBING:
            self._record_probe(now, ok=ok and latency_ms < self.policy.slow_p90_ms, latency_ms=latency_ms)
            return
        self._samples.append(_Sample(now, ok, latency_ms))
        self._prune(now)
        reason = self._trip_reason()
        if reason:
            self._trip(now, reason)

    def snapshot(self, now: datetime) -> ProviderHealth:
        self._prune(now)
        samples = list(self._samples)
        errors = sum(1 for s in samples if not s.ok)
        latencies = [s.latency_ms for s in samples]
        return ProviderHealth(
            provider=self.name,
            priority=self.priority,
            state=self.state(now),
            attempts=len(samples),
            errors=errors,
            error_ratio=errors / len(samples) if samples else 0.0,
            latency_mean_ms=sum(latencies) / len(latencies) if latencies else None,
            latency_p90_ms=p90(latencies) if latencies else None,
            down_since=self._down_since,
            reason=self._reason,
            probe_successes=self._probe_successes,
        )

    def _record_probe(self, now: datetime, *, ok: bool, latency_ms: float) -> None:
        if not ok:
            self._trip(now, f"probe failed ({latency_ms:.0f} ms)")
            return
        self._probe_successes += 1
        if self._probe_successes >= self.policy.recovery_probes:
            self._down_since = None
            self._reason = None
            self._probe_successes = 0
            self._next_probe_at = None
            self._samples.clear()

    def _trip(self, now: datetime, reason: str) -> None:
        self._down_since = now
        self._reason = reason
        self._probe_successes = 0
        self._next_probe_at = None
        self._samples.clear()

    def _prune(self, now: datetime) -> None:
        horizon = now - timedelta(seconds=self.policy.window_seconds)
        while self._samples and self._samples[0].at <= horizon:
            self._samples.popleft()

    def _trip_reason(self) -> str | None:
        policy = self.policy
        count = len(self._samples)
        errors = sum(1 for s in self._samples if not s.ok)
        window = f"{policy.window_seconds:g} s"
        if errors >= policy.max_errors:
            return f"{errors} errors in {window}"
        if count >= policy.min_samples and errors / count >= policy.max_error_ratio:
            return f"{errors} of {count} submissions failed in {window}"
        if count >= policy.min_samples:
            slow = p90([s.latency_ms for s in self._samples])
            if slow >= policy.slow_p90_ms:
                return f"slow: p90 {slow:.0f} ms in {window}"
        return None
