"""The objects one service needs at run time, built in its lifespan and torn down after it.

Service code never knows which bus it has: the embedded host passes one shared ``LocalBus``;
alone, a service builds a ``KafkaBus`` (or its own ``LocalBus``) from its settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kit_contracts import Event, topics
from kit_core import Check, ServiceSettings, get_logger
from kit_db import make_engine, make_sessionmaker

from .bus import EventBus
from .consumer import Consumer, Handler, RetryPolicy
from .kafka import KafkaBus
from .local import LocalBus
from .metrics import BusCollector
from .outbox import SOURCE, WAKER, install_commit_hook
from .relay import OutboxRelay

log = get_logger(__name__)
SHUTDOWN_STEP_SECONDS = 5.0


def make_bus(
    *,
    kind: Literal["local", "kafka"],
    bootstrap: str,
    client_id: str,
    topic_suffix: str = "",
    partitions: int = 3,
    replication: int = 1,
) -> EventBus:
    if kind == "kafka":
        return KafkaBus(
            bootstrap=bootstrap,
            client_id=client_id,
            topic_suffix=topic_suffix,
            partitions=partitions,
            replication=replication,
        )
    return LocalBus()


Worker = Callable[["Runtime"], Coroutine[Any, Any, None]]
"""A service's own background loop (sweeps, senders): started with the relay when workers run; it
returns when ``runtime.pause(...)`` says the runtime is stopping."""


@dataclass
class Runtime:
    service: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bus: EventBus
    relay: OutboxRelay
    consumer: Consumer | None
    collector: BusCollector
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def pause(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as the runtime is stopping (a worker's loop then returns).

        Workers stop at a pause instead of being cancelled mid-query, like the relay.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        return self.stopping.is_set()

    def readiness(self) -> dict[str, Check]:
        async def database() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        return {"database": database, "bus": self.bus.check}


@contextlib.asynccontextmanager
async def open_runtime(
    *,
    service: str,
    database_url: str,
    bus: EventBus | None,
    bus_kind: Literal["local", "kafka"],
    kafka_bootstrap: str,
    topic_suffix: str = "",
    partitions: int = 3,
    replication: int = 1,
    handlers: Mapping[type[Event], Handler] | None = None,
    group: str | None = None,
    run_workers: bool = True,
    pool_size: int = 10,
    echo: bool = False,
    relay_batch: int = 500,
    relay_poll_seconds: float = 1.0,
    retry: RetryPolicy | None = None,
    extra_topics: Sequence[str] = (),
    workers: Sequence[Worker] = (),
) -> AsyncIterator[Runtime]:
    install_commit_hook()
    engine = make_engine(url=database_url, pool_size=pool_size, echo=echo)
    own_bus = bus is None
    active_bus = bus or make_bus(
        kind=bus_kind,
        bootstrap=kafka_bootstrap,
        client_id=service,
        topic_suffix=topic_suffix,
        partitions=partitions,
        replication=replication,
    )
    relay_ref: list[OutboxRelay] = []
    sessionmaker = make_sessionmaker(engine, **{SOURCE: service, WAKER: lambda: relay_ref[0].nudge()})
    relay = OutboxRelay(
        engine=engine,
        sessionmaker=sessionmaker,
        bus=active_bus,
        batch=relay_batch,
        poll_seconds=relay_poll_seconds,
    )
    relay_ref.append(relay)
    consumer = None
    if handlers:
        consumer = Consumer(
            group=group or service, sessionmaker=sessionmaker, bus=active_bus, handlers=handlers, retry=retry
        )
    runtime = Runtime(
        service=service,
        engine=engine,
        sessionmaker=sessionmaker,
        bus=active_bus,
        relay=relay,
        consumer=consumer,
        collector=BusCollector(
            service=service, sessionmaker=sessionmaker, bus=active_bus, relay=relay, consumer=consumer
        ),
    )
    try:
        if run_workers and consumer is not None:
            consumer.attach()
        if own_bus:
            wanted = {*topics.ALL, *extra_topics, *(consumer.topics if consumer else ())}
            await active_bus.ensure_topics(sorted(wanted))
            await active_bus.start()
        if run_workers:
            runtime.tasks.append(asyncio.create_task(relay.run(), name=f"{service}-outbox-relay"))
            for worker in workers:
                name = f"{service}-{getattr(worker, '__name__', 'worker')}"
                runtime.tasks.append(asyncio.create_task(worker(runtime), name=name))
        log.info("runtime.started", service=service, bus=type(active_bus).__name__, workers=run_workers)
        yield runtime
    finally:
        # Each step is bounded, so a stuck task cannot hold a shutdown (or a pod's termination) past
        # its grace period; what timed out is logged, since that is a bug to find.
        # The relay is asked to stop at its next pause rather than cancelled mid-query: a cancelled
        # aiosqlite call leaves its worker thread to report to a loop that may be gone.
        relay.stop()
        runtime.stopping.set()
        for task in runtime.tasks:
            if not await _bounded(asyncio.shield(task), f"{service}: task {task.get_name()}"):
                task.cancel()
                await _bounded(task, f"{service}: cancelling task {task.get_name()}")
        if own_bus:
            await _bounded(active_bus.stop(), f"{service}: bus stop")
        await _bounded(engine.dispose(), f"{service}: engine dispose")
        log.info("runtime.stopped", service=service)


async def _bounded(step: Awaitable[None], what: str, seconds: float = SHUTDOWN_STEP_SECONDS) -> bool:
    """Await ``step`` for at most ``seconds``; False (and an error logged) if it did not finish."""
    try:
        await asyncio.wait_for(step, timeout=seconds)
    except asyncio.CancelledError:
        if isinstance(step, asyncio.Task) and step.cancelled():
            return True  # the task we cancelled has finished cancelling
        raise
    except TimeoutError:
        log.error("runtime.shutdown_step_timed_out", step=what, seconds=seconds)
        return False
    return True


def open_service_runtime(
    settings: ServiceSettings,
    *,
    handlers: Mapping[type[Event], Handler] | None,
    bus: EventBus | None = None,
    run_workers: bool = True,
    workers: Sequence[Worker] = (),
) -> contextlib.AbstractAsyncContextManager[Runtime]:
    """``open_runtime`` bound to a service's settings: the one place settings meet the bus."""
    return open_runtime(
        service=settings.service_name,
        database_url=settings.database_url.get_secret_value(),
        bus=bus,
        bus_kind=settings.bus,
        kafka_bootstrap=settings.kafka_bootstrap,
        topic_suffix=settings.topic_suffix,
        partitions=settings.kafka_partitions,
        replication=settings.kafka_replication,
        handlers=handlers,
        run_workers=run_workers,
        pool_size=settings.db_pool_size,
        echo=settings.db_echo,
        relay_batch=settings.relay_batch,
        relay_poll_seconds=settings.relay_poll_seconds,
        workers=workers,
    )
