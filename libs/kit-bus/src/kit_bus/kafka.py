"""The Kafka bus (aiokafka): an idempotent producer with ``acks=all`` and one consumer per group.

Consumers never auto-commit: each partition's batch is handed to the group's sink, and only when
the sink returned (its database transaction committed) is ``offset + 1`` committed. Isolation is
``read_committed`` and a new group starts at the earliest offset. Topics and their ``.dlq`` twins
are created explicitly at start-up; the broker is expected to refuse auto-creation.

``topic_suffix`` maps each logical topic to a physical one (tests give every run its own topics).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from kit_contracts import topics as topic_names
from kit_core import get_logger

from .bus import Sink
from .envelope import Envelope, Record

log = get_logger(__name__)


class _LogRebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, group: str) -> None:
        self.group = group

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        log.info("kafka.partitions_revoked", group=self.group, partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("kafka.partitions_assigned", group=self.group, partitions=sorted(str(tp) for tp in assigned))


class KafkaBus:
    def __init__(
        self,
        *,
        bootstrap: str,
        client_id: str,
        topic_suffix: str = "",
        partitions: int = 3,
        replication: int = 1,
        linger_ms: int = 5,
        max_poll_records: int = 500,
        request_timeout_ms: int = 30000,
    ) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.suffix = topic_suffix
        self.partitions = partitions
        self.replication = replication
        self.linger_ms = linger_ms
        self.max_poll_records = max_poll_records
        self.request_timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None
        self._subscriptions: dict[str, tuple[list[str], Sink]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._lag: dict[str, dict[TopicPartition, int]] = {}
        self._stopping = asyncio.Event()
        self._running = False

    def physical(self, topic: str) -> str:
        return topic + self.suffix

    def logical(self, topic: str) -> str:
        return topic[: -len(self.suffix)] if self.suffix and topic.endswith(self.suffix) else topic

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        wanted = {self.physical(t) for t in topics} | {
            self.physical(topic_names.dlq(t)) for t in topics if not t.endswith(".dlq")
        }
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap,
            client_id=f"{self.client_id}-admin",
            request_timeout_ms=self.request_timeout_ms,
        )
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = sorted(wanted - existing)
            if missing:
                new = [
                    NewTopic(name=t, num_partitions=self.partitions, replication_factor=self.replication)
                    for t in missing
                ]
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(new)
                log.info("kafka.topics_created", topics=missing)
        finally:
            await admin.close()

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=self.linger_ms,
            max_batch_size=256 * 1024,
            request_timeout_ms=self.request_timeout_ms,
        )

    async def start(self) -> None:
        self._stopping.clear()
        self._producer = self._new_producer()
        await self._producer.start()
        self._running = True
        for group, (topics, sink) in self._subscriptions.items():
            self._tasks.append(
                asyncio.create_task(self._consume(group, topics, sink), name=f"kafka-consume-{group}")
            )

    async def stop(self) -> None:
        self._stopping.set()
        self._running = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def check(self) -> None:
        producer = await self._ensure_producer()
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout=5.0)

    def lag(self, group: str) -> int:
        return sum(self._lag.get(group, {}).values())

    def subscribe(self, group: str, topics: Sequence[str], sink: Sink) -> None:
        if group in self._subscriptions:
            raise ValueError(f"group {group!r} already subscribed")
        self._subscriptions[group] = (list(topics), sink)
        if self._running:  # already running: start consuming now
            self._tasks.append(asyncio.create_task(self._consume(group, list(topics), sink)))

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        producer = await self._ensure_producer()
        try:
            futures = [
                await producer.send(
                    self.physical(e.topic),
                    value=e.value(),
                    key=e.key.encode(),
                    headers=[(k, v.encode()) for k, v in e.headers().items()],
                )
                for e in envelopes
            ]
            await asyncio.gather(*futures)  # every acknowledgement, or an exception: the relay retries
        except Exception:
            # After a broker crash the idempotent producer's sequence state may no longer match the
            # broker's; a fresh producer (a new producer id) is the reliable way back. The relay resends
            # the batch and consumers drop whatever the first attempt did deliver.
            await self._drop_producer()
            raise

    async def publish_raw(self, topic: str, key: str | None, headers: dict[str, str], value: bytes) -> None:
        producer = await self._ensure_producer()
        try:
            await producer.send_and_wait(
                self.physical(topic),
                value=value,
                key=key.encode() if key else None,
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        except Exception:
            await self._drop_producer()
            raise

    async def _drop_producer(self) -> None:
        old, self._producer = self._producer, None
        if old is not None:
            with contextlib.suppress(Exception):
                await old.stop()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            if self._stopping.is_set():
                raise ConnectionError("the Kafka bus is stopped")
            producer = self._new_producer()
            try:
                await producer.start()
            except Exception:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    def _record(self, message: ConsumerRecord[bytes, bytes]) -> Record:
        return Record(
            topic=self.logical(message.topic),
            partition=message.partition,
            offset=message.offset,
            key=message.key.decode() if message.key else None,
            headers={k: v.decode() for k, v in (message.headers or ())},
            value=message.value or b"",
        )

    async def _consume(self, group: str, topics: list[str], sink: Sink) -> None:
        while not self._stopping.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                client_id=f"{self.client_id}-{group}",
                group_id=group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
                max_poll_records=self.max_poll_records,
                request_timeout_ms=self.request_timeout_ms,
            )
            try:
                await consumer.start()
                consumer.subscribe([self.physical(t) for t in topics], listener=_LogRebalance(group))
                lag = self._lag.setdefault(group, {})
                while not self._stopping.is_set():
                    batches = await consumer.getmany(timeout_ms=500, max_records=self.max_poll_records)
                    if not batches:
                        continue
                    # Partitions hold different keys, so they are applied side by side; within one
                    # partition the sink sees records in order. Offsets are committed only after every
                    # partition's batch is durable.
                    await asyncio.gather(
                        *(sink([self._record(m) for m in msgs]) for msgs in batches.values())
                    )
                    await consumer.commit({tp: msgs[-1].offset + 1 for tp, msgs in batches.items()})
                    for tp, msgs in batches.items():
                        highwater = consumer.highwater(tp)
                        if highwater is not None:
                            lag[tp] = max(0, highwater - (msgs[-1].offset + 1))
            except asyncio.CancelledError:
                raise
            except (
                Exception
            ) as exc:  # broker gone, rebalance mid-commit…: rejoin; uncommitted records come again
                log.warning("kafka.consumer_restarting", group=group, error=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
