"""The in-process bus of the embedded mode and unit tests: same contract as Kafka, no broker.

``publish`` hands each message to every subscribed group in order and returns once all of them
applied it (their sinks returned), which is this bus's acknowledgement. It is fed only by the
outbox relay, so, as with Kafka, nothing reaches a consumer before the producer's commit, and an
unacknowledged batch stays in the outbox across a crash. ``redeliver=True`` hands every record over
twice, to prove consumers are idempotent.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from .bus import Sink
from .envelope import Envelope, Record


class LocalBus:
    def __init__(self, *, redeliver: bool = False) -> None:
        self.redeliver = redeliver
        self._subscribers: dict[str, list[tuple[str, Sink]]] = defaultdict(list)
        self._offsets: dict[str, int] = defaultdict(int)
        self._lock = asyncio.Lock()
        self.dead: list[Record] = []
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        return None

    async def check(self) -> None:
        if not self.started:
            raise ConnectionError("the in-process bus is not running")

    def lag(self, group: str) -> int:
        return 0

    def subscribe(self, group: str, topics: Sequence[str], sink: Sink) -> None:
        for topic in topics:
            if any(g == group for g, _ in self._subscribers[topic]):
                raise ValueError(f"group {group!r} already subscribed to {topic!r}")
            self._subscribers[topic].append((group, sink))

    def _record(self, topic: str, key: str | None, headers: dict[str, str], value: bytes) -> Record:
        offset = self._offsets[topic]
        self._offsets[topic] += 1
        return Record(topic=topic, partition=0, offset=offset, key=key, headers=headers, value=value)

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        async with self._lock:
            by_topic: dict[str, list[Record]] = defaultdict(list)
            for envelope in envelopes:
                by_topic[envelope.topic].append(
                    self._record(envelope.topic, envelope.key, envelope.headers(), envelope.value())
                )
            for topic, records in by_topic.items():
                for _group, sink in list(self._subscribers.get(topic, ())):
                    await sink(records)
                    if self.redeliver:
                        await sink(records)

    async def publish_raw(self, topic: str, key: str | None, headers: dict[str, str], value: bytes) -> None:
        record = self._record(topic, key, headers, value)
        if topic.endswith(".dlq"):
            self.dead.append(record)
        # Called from inside a sink (dead-lettering), so it must not take the publish lock.
        for _group, sink in list(self._subscribers.get(topic, ())):
            await sink([record])
