"""The port every bus implements.

``publish`` returns only when every message is safely held by the bus: for Kafka, acknowledged by
the broker (``acks=all``); for the in-process bus, applied by every subscribed consumer. The relay
stamps outbox rows as published only after that, so nothing accepted is lost.

``subscribe`` registers a consumer group's sink for some topics. A sink receives the records of one
partition in order, and must have made them durable when it returns: only then does the bus
commit the group's position. It may see a record again after a crash; consumers dedupe by event id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from .envelope import Envelope, Record

Sink = Callable[[Sequence[Record]], Awaitable[None]]


class EventBus(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ensure_topics(self, topics: Sequence[str]) -> None: ...

    async def publish(self, envelopes: Sequence[Envelope]) -> None: ...

    async def publish_raw(
        self, topic: str, key: str | None, headers: dict[str, str], value: bytes
    ) -> None: ...

    def subscribe(self, group: str, topics: Sequence[str], sink: Sink) -> None: ...

    async def check(self) -> None: ...

    def lag(self, group: str) -> int: ...
