"""Retry classification and the backoff schedule."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from notify_service.webhook import Decision, RetryPolicy, classify, retry_after

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (None, Decision.RETRY),
        (200, Decision.DONE),
        (204, Decision.DONE),
        (408, Decision.RETRY),
        (429, Decision.RETRY),
        (500, Decision.RETRY),
        (502, Decision.RETRY),
        (503, Decision.RETRY),
        (301, Decision.GIVE_UP),
        (400, Decision.GIVE_UP),
        (401, Decision.GIVE_UP),
        (404, Decision.GIVE_UP),
        (410, Decision.GIVE_UP),
        (422, Decision.GIVE_UP),
    ],
)
def test_what_is_retried(status, decision):
    assert classify(status) is decision


def test_the_default_schedule_is_exponential_capped_and_lasts_at_least_a_day():
    delays = RetryPolicy().schedule()
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert max(delays) == timedelta(hours=6)
    assert sum(delays, timedelta(0)) >= timedelta(hours=24)
    assert sum(delays[:-1], timedelta(0)) < timedelta(hours=24)


def test_retries_stop_once_the_total_has_passed():
    policy = RetryPolicy(jitter=0)
    assert policy.next_attempt_at(retry=0, first_attempt_at=T0, now=T0) == T0 + timedelta(seconds=30)
    late = T0 + timedelta(hours=23, minutes=59)
    assert policy.next_attempt_at(retry=12, first_attempt_at=T0, now=late) == late + timedelta(hours=6)
    assert policy.next_attempt_at(retry=13, first_attempt_at=T0, now=T0 + timedelta(hours=24)) is None


def test_jitter_stays_within_its_bounds():
    policy = RetryPolicy(jitter=0.1)
    rng = random.Random(1)
    for retry in range(8):
        at = policy.next_attempt_at(retry=retry, first_attempt_at=T0, now=T0, rng=rng)
        assert at is not None
        base = policy.base_delay(retry)
        assert base * 0.9 <= at - T0 <= base * 1.1


def test_retry_after_asks_for_longer_within_the_cap():
    policy = RetryPolicy(jitter=0)
    asked = retry_after("600", now=T0)
    assert asked == timedelta(minutes=10)
    assert policy.next_attempt_at(retry=0, first_attempt_at=T0, now=T0, retry_after=asked) == T0 + timedelta(
        minutes=10
    )
    huge = retry_after("999999", now=T0)
    assert policy.next_attempt_at(retry=0, first_attempt_at=T0, now=T0, retry_after=huge) == T0 + timedelta(
        hours=6
    )
    short = retry_after("1", now=T0)
    assert policy.next_attempt_at(retry=2, first_attempt_at=T0, now=T0, retry_after=short) == T0 + timedelta(
        seconds=120
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("soon", None),
        ("Fri, 27 Nov 2026 09:05:00 GMT", timedelta(minutes=5)),
        ("Fri, 27 Nov 2026 08:00:00 GMT", timedelta(0)),
    ],
)
def test_retry_after_forms(value, expected):
    assert retry_after(value, now=T0) == expected


def test_nonsense_policies_are_refused():
    with pytest.raises(ValueError, match="initial"):
        RetryPolicy(initial=timedelta(0))
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)
