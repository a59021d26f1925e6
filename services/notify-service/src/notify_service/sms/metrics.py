"""Provider health and submissions for ``/metrics``, read from the router at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .base import Verdict
from .health import ProviderState
from .router import SmsRouter


class SmsCollector(Collector):
    def __init__(self, router: SmsRouter, *, service: str = "notify-service") -> None:
        self.router = router
        self.service = service

    def collect(self) -> Iterator[Metric]:
        labels = ["service", "provider"]
        state = GaugeMetricFamily(
            "sms_provider_state", "1 for the state each SMS provider is in", labels=[*labels, "state"]
        )
        attempts = GaugeMetricFamily(
            "sms_provider_window_attempts", "Submissions in the health window", labels=labels
        )
        errors = GaugeMetricFamily(
            "sms_provider_window_errors", "Temporary failures in the health window", labels=labels
        )
        p90 = GaugeMetricFamily(
            "sms_provider_latency_p90_ms", "p90 submission latency in the health window", labels=labels
        )
        for health in self.router.health():
            key = [self.service, health.provider]
            for candidate in ProviderState:
                state.add_metric([*key, candidate.value], 1.0 if health.state is candidate else 0.0)
            attempts.add_metric(key, health.attempts)
            errors.add_metric(key, health.errors)
            if health.latency_p90_ms is not None:
                p90.add_metric(key, health.latency_p90_ms)
        submissions = CounterMetricFamily(
            "sms_submissions", "Messages handed to each SMS provider, by verdict", labels=[*labels, "verdict"]
        )
        for name in (h.provider for h in self.router.health()):
            for verdict in Verdict:
                submissions.add_metric(
                    [self.service, name, verdict.value], self.router.submissions[(name, verdict)]
                )
        yield from (state, attempts, errors, p90, submissions)

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)
