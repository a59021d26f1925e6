"""The health window and the failover state machine as pure logic, on a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notify_service.sms import HealthPolicy, ProviderState
from notify_service.sms.health import ProviderTracker, p90

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def tracker(**policy: float) -> ProviderTracker:
    defaults: dict[str, float] = {
        "max_errors": 5,
        "max_error_ratio": 1.0,
        "min_samples": 4,
        "slow_p90_ms": 1000,
        "cooldown_seconds": 60,
        "probe_interval_seconds": 10,
        "recovery_probes": 3,
    }
    return ProviderTracker("a", 0, HealthPolicy(**(defaults | policy)))  # type: ignore[arg-type]


def test_trips_when_the_errors_in_60_seconds_reach_the_threshold():
    t = tracker(min_samples=10)
    for n in range(4):
        t.record(at(n * 10), ok=False, latency_ms=50)
    assert t.state(at(40)) is ProviderState.HEALTHY
    t.record(at(50), ok=False, latency_ms=50)
    assert t.state(at(50)) is ProviderState.DOWN
    assert t.snapshot(at(50)).reason == "5 errors in 60 s"


def test_errors_spread_wider_than_the_window_never_trip():
    t = tracker()
    for n in range(20):
        t.record(at(n * 15), ok=n % 4 != 0, latency_ms=50)  # one error every 60 s
        t.record(at(n * 15), ok=n % 4 != 1, latency_ms=50)  # and another, offset by 15 s
    assert t.state(at(300)) is ProviderState.HEALTHY
    assert t.snapshot(at(300)).errors <= 4


def test_trips_on_the_error_ratio_once_there_are_enough_samples():
    t = tracker(max_errors=100, max_error_ratio=0.5)
    t.record(at(0), ok=False, latency_ms=50)
    t.record(at(1), ok=False, latency_ms=50)
    t.record(at(2), ok=True, latency_ms=50)
    assert t.state(at(2)) is ProviderState.HEALTHY  # 2 of 3: below min_samples
    t.record(at(3), ok=True, latency_ms=50)
    assert t.state(at(3)) is ProviderState.DOWN
    assert t.snapshot(at(3)).reason == "2 of 4 submissions failed in 60 s"


def test_trips_when_deliveries_become_slow():
    t = tracker()
    for n, latency in enumerate([100, 100, 1500, 1200]):
        t.record(at(n), ok=True, latency_ms=latency)
    health = t.snapshot(at(3))
    assert health.state is ProviderState.DOWN
    assert health.reason == "slow: p90 1500 ms in 60 s"


def test_one_slow_answer_in_many_does_not_trip():
    t = tracker()
    for n in range(19):
        t.record(at(n), ok=True, latency_ms=100)
    t.record(at(19), ok=True, latency_ms=9000)
    health = t.snapshot(at(19))
    assert health.state is ProviderState.HEALTHY
    assert (health.latency_p90_ms, health.latency_mean_ms) == (100, 545)


def test_cool_down_then_probes_then_healthy_with_an_empty_window():
    t = tracker(min_samples=10)
    for n in range(5):
        t.record(at(n), ok=False, latency_ms=50)
    assert t.state(at(63)) is ProviderState.DOWN
    assert not t.probe_due(at(63))

    assert t.state(at(64)) is ProviderState.PROBING
    assert t.probe_due(at(64))
    t.start_probe(at(64))
    assert not t.probe_due(at(70))  # one probe per 10 s
    t.record(at(64), ok=True, latency_ms=80)
    assert t.probe_due(at(74))
    t.start_probe(at(74))
    t.record(at(74), ok=True, latency_ms=80)
    assert t.state(at(74)) is ProviderState.PROBING
    t.start_probe(at(84))
    t.record(at(84), ok=True, latency_ms=80)

    health = t.snapshot(at(84))
    assert (health.state, health.attempts, health.errors, health.reason) == (
        ProviderState.HEALTHY,
        0,
        0,
        None,
    )


@pytest.mark.parametrize(("ok", "latency"), [(False, 50), (True, 1500)])
def test_a_failed_or_slow_probe_restarts_the_cool_down(ok, latency):
    t = tracker(recovery_probes=2)
    for n in range(5):
        t.record(at(n), ok=False, latency_ms=50)
    t.start_probe(at(70))
    t.record(at(70), ok=True, latency_ms=50)
    t.start_probe(at(80))
    t.record(at(80), ok=ok, latency_ms=latency)

    assert t.state(at(80)) is ProviderState.DOWN
    assert t.state(at(139)) is ProviderState.DOWN
    assert t.state(at(140)) is ProviderState.PROBING
    assert t.snapshot(at(140)).probe_successes == 0


def test_answers_that_arrive_while_down_change_nothing():
    t = tracker()
    for n in range(5):
        t.record(at(n), ok=False, latency_ms=50)
    for n in range(10):
        t.record(at(10 + n), ok=True, latency_ms=50)  # stragglers sent before the trip
    assert t.state(at(30)) is ProviderState.DOWN
    assert t.snapshot(at(30)).probe_successes == 0


def test_p90_is_the_nearest_rank():
    assert p90([5.0]) == 5.0
    assert p90([float(n) for n in range(1, 11)]) == 9.0
    assert p90([float(n) for n in range(1, 101)]) == 90.0


@pytest.mark.parametrize(
    "bad",
    [
        {"window_seconds": 0},
        {"max_errors": 0},
        {"max_error_ratio": 0},
        {"max_error_ratio": 1.5},
        {"recovery_probes": 0},
    ],
)
def test_nonsense_policies_are_refused(bad):
    with pytest.raises(ValueError, match="must"):
        HealthPolicy(**bad)
