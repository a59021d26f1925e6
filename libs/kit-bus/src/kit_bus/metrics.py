"""Bus metrics for ``/metrics``: outbox backlog, dead letters, consumer lag, events in and out."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .bus import EventBus
from .consumer import Consumer
from .outbox import backlog
from .relay import OutboxRelay


class BusCollector(Collector):
    def __init__(
        self,
        *,
        service: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus,
        relay: OutboxRelay | None,
        consumer: Consumer | None,
    ) -> None:
        self.service = service
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.relay = relay
        self.consumer = consumer
        self.backlog = 0
        self.dead = 0

    async def refresh(self) -> None:
        async with self.sessionmaker() as session:
            self.backlog = await backlog(session)
        if self.consumer is not None:
            self.dead = await self.consumer.dead_letter_count()

    def collect(self) -> Iterator[Metric]:
        labels = ["service"]
        gauge = GaugeMetricFamily(
            "bus_outbox_backlog", "Events committed but not yet acknowledged by the bus", labels=labels
        )
        gauge.add_metric([self.service], self.backlog)
        yield gauge
        gauge = GaugeMetricFamily("bus_dead_letters", "Dead letters waiting for replay", labels=labels)
        gauge.add_metric([self.service], self.dead)
        yield gauge
        published = CounterMetricFamily(
            "bus_events_published", "Events published by the outbox relay", labels=labels
        )
        published.add_metric([self.service], self.relay.published_total if self.relay else 0)
        yield published
        if self.consumer is not None:
            group = ["service", "group"]
            lag = GaugeMetricFamily("bus_consumer_lag", "Records behind the end of the log", labels=group)
            lag.add_metric([self.service, self.consumer.group], self.bus.lag(self.consumer.group))
            yield lag
            consumed = CounterMetricFamily(
                "bus_events_consumed", "Events handled, by outcome", labels=[*group, "outcome"]
            )
            totals = self.consumer.totals
            for outcome, value in (
                ("applied", totals.applied),
                ("duplicate", totals.duplicates),
                ("dead", totals.dead),
            ):
                consumed.add_metric([self.service, self.consumer.group, outcome], value)
            yield consumed

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)
