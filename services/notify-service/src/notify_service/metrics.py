"""notify-service metrics for ``/metrics``: sends by channel, provider and outcome; the queue; live streams."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

OUTCOMES = ("delivered", "sent", "temporary-failure", "permanent-failure", "rate-limited")


class NotifyMetrics(Collector):
    def __init__(self) -> None:
        self.outcomes: Counter[tuple[str, str, str]] = Counter()  # (channel, provider, outcome)
        self.queue: dict[tuple[str, str], int] = {}  # (channel, status) -> deliveries waiting
        self.streams: Callable[[], int] = lambda: 0

    def count(self, channel: str, provider: str, outcome: str) -> None:
        self.outcomes[(channel, provider, outcome)] += 1

    def set_queue(self, depth: Mapping[tuple[str, str], int]) -> None:
        self.queue = dict(depth)

    def collect(self) -> Iterator[Metric]:
        sends = CounterMetricFamily(
            "notify_deliveries",
            "Delivery attempts by channel, provider and outcome (sent: accepted, awaiting a receipt)",
            labels=["channel", "provider", "outcome"],
        )
        for (channel, provider, outcome), value in sorted(self.outcomes.items()):
            sends.add_metric([channel, provider, outcome], value)
        yield sends
        depth = GaugeMetricFamily(
            "notify_queue_depth",
            "Deliveries not yet finished, by channel and status",
            labels=["channel", "status"],
        )
        for (channel, status), value in sorted(self.queue.items()):
            depth.add_metric([channel, status], value)
        yield depth
        yield GaugeMetricFamily("notify_feed_streams", "Open live feed streams (SSE)", value=self.streams())
