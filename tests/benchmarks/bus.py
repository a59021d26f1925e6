"""``make bench-bus``: events per second through outbox → Kafka → inbox, and end-to-end latency.

Two "services" with their own PostgreSQL databases: a producer writes probe events through its
outbox (its relay publishes them to Kafka), a consumer applies them through its inbox into a table.
The consumer runs as a separate process, as it would in production.

- throughput: N events committed as fast as the writer can (transactions of 500), timed from the
  first commit to the moment the consumer's inbox holds all N;
- latency: a paced stream (default 5,000 events/s for 10 s, in transactions of 10), each event
  carrying its commit time; the consumer records when it applied it; p50/p99 of the difference.

Prints its figures; asserts nothing. Needs the PostgreSQL and Kafka that `make bench-bus` starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time

from sqlalchemy import func, insert, select, text

from kit_bus import Batched, inbox, open_runtime, outbox, outbox_table
from kit_bus.probe import MIGRATIONS, PROBE_TOPIC, ProbeEmitted, applied
from kit_core import configure_logging, new_id
from kit_db import drop_database, ensure_database, make_engine, upgrade

PG = os.environ.get("EGOV_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:55432")
KAFKA = os.environ.get("EGOV_TEST_KAFKA", "127.0.0.1:19092")


async def consume(url: str, suffix: str) -> None:
    """The consumer process: applies probes, stamping each row with the time it was applied."""

    async def apply(session, items) -> None:
        now = time.time_ns()
        await session.execute(
            insert(applied),
            [
                {
                    "event_id": envelope.id,
                    "probe_id": event.probe_id,
                    "note": str(now - event.sent_at_ns if event.sent_at_ns else 0),
                }
                for event, envelope in items
            ],
        )

    stop = asyncio.Event()
    import signal

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with open_runtime(
        service="bench-consumer",
        database_url=url,
        bus=None,
        bus_kind="kafka",
        kafka_bootstrap=KAFKA,
        topic_suffix=suffix,
        handlers={ProbeEmitted: Batched(apply)},
        group="bench-consumer" + suffix,
        extra_topics=[PROBE_TOPIC],
        partitions=3,
    ):
        await stop.wait()


async def count(url: str, stmt) -> int:
    engine = make_engine(url=url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())
    finally:
        await engine.dispose()


async def wait_for(url: str, n: int, within: float) -> float:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await count(url, select(func.count()).select_from(inbox)) >= n:
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"consumer did not reach {n} events in {within}s")


async def bench(events: int, rate: int, seconds: int) -> dict[str, float]:
    tag = new_id().hex[-10:]
    suffix = f".b{tag}"
    producer_url, consumer_url = f"{PG}/bench_{tag}_p", f"{PG}/bench_{tag}_c"
    for url in (producer_url, consumer_url):
        await ensure_database(url)
        await asyncio.to_thread(upgrade, url, MIGRATIONS)
    consumer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.benchmarks.bus", "--consume", consumer_url, suffix
    )
    try:
        async with open_runtime(
            service="bench-producer",
            database_url=producer_url,
            bus=None,
            bus_kind="kafka",
            kafka_bootstrap=KAFKA,
            topic_suffix=suffix,
            extra_topics=[PROBE_TOPIC],
            relay_batch=1000,
            relay_poll_seconds=0.5,
        ) as producer:
            # Warm-up: connections, topic metadata, the consumer group's first join.
            async with producer.sessionmaker() as session, session.begin():
                await outbox.add(session, ProbeEmitted(probe_id=new_id(), note="warm-up"))
            await wait_for(consumer_url, 1, 120)

            started = time.monotonic()
            for start in range(0, events, 500):
                async with producer.sessionmaker() as session, session.begin():
                    await outbox.add_many(
                        session, [ProbeEmitted(probe_id=new_id()) for _ in range(min(500, events - start))]
                    )
            written = time.monotonic()
            finished = await wait_for(consumer_url, 1 + events, 300)
            throughput = events / (finished - started)

            async with make_engine(url=consumer_url).begin() as conn:
                await conn.execute(text("DELETE FROM applied"))
            sent = 0
            pace_start = time.monotonic()
            total = rate * seconds
            while sent < total:
                async with producer.sessionmaker() as session, session.begin():
                    await outbox.add_many(
                        session,
                        [ProbeEmitted(probe_id=new_id(), sent_at_ns=time.time_ns()) for _ in range(10)],
                    )
                sent += 10
                ahead = pace_start + sent / rate - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)
            await wait_for(consumer_url, 1 + events + total, 300)
        relay_engine = make_engine(url=producer_url)
        async with relay_engine.connect() as conn:
            relay_ms = sorted(
                (r[0] - r[1]).total_seconds() * 1000
                for r in await conn.execute(
                    select(outbox_table.c.published_at, outbox_table.c.created_at)
                    .order_by(outbox_table.c.seq.desc())
                    .limit(total)
                )
            )
        await relay_engine.dispose()
        engine = make_engine(url=consumer_url)
        async with engine.connect() as conn:
            lags = sorted(int(r[0]) / 1e6 for r in await conn.execute(select(applied.c.note)))
        await engine.dispose()
        quantiles = statistics.quantiles(lags, n=100)
        return {
            "events": events,
            "throughput_events_per_s": round(throughput, 1),
            "write_seconds": round(written - started, 3),
            "end_to_end_seconds": round(finished - started, 3),
            "paced_rate_per_s": rate,
            "paced_events": len(lags),
            "latency_p50_ms": round(quantiles[49], 2),
            "latency_p99_ms": round(quantiles[98], 2),
            "latency_max_ms": round(lags[-1], 2),
            "relay_p50_ms": round(statistics.quantiles(relay_ms, n=100)[49], 2),
            "relay_p99_ms": round(statistics.quantiles(relay_ms, n=100)[98], 2),
        }
    finally:
        consumer.terminate()
        await asyncio.wait_for(consumer.wait(), timeout=30)
        for url in (producer_url, consumer_url):
            await drop_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(prog="tests.benchmarks.bus")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=5_000, help="events per second in the latency phase")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--consume", nargs=2, metavar=("URL", "SUFFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    if args.consume:
        asyncio.run(consume(*args.consume))
        return 0
    result = asyncio.run(bench(args.events, args.rate, args.seconds))
    r = result
    sys.stdout.write(
        "bus benchmark: outbox (PostgreSQL) -> relay -> Kafka -> consumer -> inbox (PostgreSQL)\n"
        f"  throughput: {r['throughput_events_per_s']:,.0f} events/s ({r['events']:,} events in "
        f"{r['end_to_end_seconds']} s; writing took {r['write_seconds']} s)\n"
        f"  latency at {r['paced_rate_per_s']:,}/s: p50 {r['latency_p50_ms']} ms, p99 {r['latency_p99_ms']} ms, "
        f"max {r['latency_max_ms']} ms over {r['paced_events']:,} events\n"
        f"  of which outbox commit -> broker acknowledged (relay): p50 {r['relay_p50_ms']} ms, "
        f"p99 {r['relay_p99_ms']} ms\n"
        f"{json.dumps(r)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
