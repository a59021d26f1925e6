"""The bus contract, on both backends: after-commit publication, at-least-once delivery made
exactly-once in effect by the inbox, retries, dead letters and their replay."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Backend, emit, record_probe

from kit_bus import Batched, Envelope, LocalBus, PermanentError, outbox
from kit_bus.probe import PROBE_TOPIC, ProbeEmitted
from kit_bus.testing import eventually
from kit_core import new_id


async def test_only_committed_events_leave(backend: Backend):
    async with backend.consumer(), backend.producer() as producer:
        with pytest.raises(RuntimeError, match="the change failed"):
            await _emit_then_fail(producer)
        await emit(producer, 2, note="committed")
        await eventually(lambda: backend.applied_counts(), within=60)
        await eventually(lambda: _equals(backend.applied_counts(), (2, 2)), within=60)
        await asyncio.sleep(0.5)  # nothing else is on its way
        assert await backend.applied_counts() == (2, 2)


async def _emit_then_fail(producer):
    async with producer.sessionmaker() as session, session.begin():
        await outbox.add(session, ProbeEmitted(probe_id=new_id(), note="rolled back"))
        raise RuntimeError("the change failed")


async def _equals(coro, expected):
    return (await coro) == expected


async def test_redelivered_events_apply_once(backend: Backend):
    async with backend.consumer() as consumer:
        envelopes = [Envelope.wrap(ProbeEmitted(probe_id=new_id()), source="test") for _ in range(5)]
        await consumer.bus.publish(envelopes)
        await consumer.bus.publish(envelopes[:3])  # as if a relay crashed before stamping
        await eventually(lambda: _equals(backend.inbox_count(), 5), within=60)
        await asyncio.sleep(0.5)
        assert await backend.applied_counts() == (5, 5)


async def test_transient_failures_are_retried(backend: Backend):
    failures = {"left": 2}

    async def flaky(session, event, envelope):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the archive was briefly unavailable")
        await record_probe(session, event, envelope)

    async with backend.consumer(flaky) as consumer, backend.producer() as producer:
        await emit(producer, 1)
        await eventually(lambda: _equals(backend.applied_counts(), (1, 1)), within=60)
        assert failures["left"] == 0
        assert consumer.consumer is not None
        assert await consumer.consumer.dead_letter_count() == 0


async def test_poison_message_is_dead_lettered_then_replayed_once(backend: Backend):
    fixed = {"yes": False}

    async def strict(session, event, envelope):
        if event.note == "poison" and not fixed["yes"]:
            raise PermanentError("note 'poison' is not a valid probe")
        await record_probe(session, event, envelope)

    async with backend.consumer(strict) as consumer, backend.producer() as producer:
        await emit(producer, 1, note="poison")
        await emit(producer, 3, note="fine")
        await eventually(lambda: _equals(backend.applied_counts(), (3, 3)), within=60)
        letters = await eventually(backend.dead_letters, within=60)
        assert len(letters) == 1
        letter = letters[0]
        assert "note 'poison' is not a valid probe" in letter["reason"]
        assert letter["topic"] == PROBE_TOPIC
        assert letter["partition"] is not None
        assert letter["offset"] is not None
        assert letter["headers"]["ce_type"] == ProbeEmitted.event_type

        fixed["yes"] = True
        assert consumer.consumer is not None
        results = await consumer.consumer.replay()
        assert [outcome for _, outcome in results] == ["replayed"]
        assert await consumer.consumer.replay() == []  # nothing pending any more
        assert await backend.applied_counts() == (4, 4)
        assert (await backend.dead_letters())[0]["replayed_at"] is not None


async def test_dead_letter_topic_carries_reason_and_origin(backend: Backend):
    async def reject(session, event, envelope):
        raise PermanentError("rejected for the test")

    async with backend.consumer(reject) as consumer, backend.producer() as producer:
        await emit(producer, 1)
        await eventually(backend.dead_letters, within=60)
        if isinstance(consumer.bus, LocalBus):
            dead = consumer.bus.dead
        else:
            dead = await _read_dlq(backend)
        assert len(dead) == 1
        headers = dead[0].headers
        assert headers["x-orig-topic"] == PROBE_TOPIC
        assert headers["x-exception"] == "rejected by handler: rejected for the test"
        assert int(headers["x-orig-offset"]) >= 0
        assert headers["ce_type"] == ProbeEmitted.event_type


async def _read_dlq(backend: Backend):
    from aiokafka import AIOKafkaConsumer
    from conftest import KAFKA

    from kit_bus import Record

    reader = AIOKafkaConsumer(
        PROBE_TOPIC + ".dlq" + backend.suffix,
        bootstrap_servers=KAFKA,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await reader.start()
    try:
        batches = await reader.getmany(timeout_ms=5000)
        return [
            Record(
                topic=m.topic,
                partition=m.partition,
                offset=m.offset,
                key=None,
                headers={k: v.decode() for k, v in m.headers},
                value=m.value,
            )
            for messages in batches.values()
            for m in messages
        ]
    finally:
        await reader.stop()


async def test_malformed_message_is_dead_lettered(backend: Backend):
    async with backend.consumer() as consumer:
        await consumer.bus.publish_raw(PROBE_TOPIC, "k", {"ce_specversion": "0.3"}, b"{}")
        letters = await eventually(backend.dead_letters, within=60)
        assert letters[0]["reason"].startswith("malformed envelope")
        assert await backend.applied_counts() == (0, 0)


async def test_ten_thousand_events_exactly_once(backend: Backend):
    async with backend.consumer(), backend.producer() as producer:
        await emit(producer, 10_000, per_transaction=1000)
        await eventually(
            lambda: _equals(backend.applied_counts(), (10_000, 10_000)), within=240, interval=0.5
        )
        await asyncio.sleep(1.0)
        assert await backend.applied_counts() == (10_000, 10_000)
        assert await backend.inbox_count() == 10_000


async def test_batched_handler_gets_runs_and_still_applies_once(backend: Backend):
    calls: list[int] = []

    async def apply_all(session, items):
        calls.append(len(items))
        for event, envelope in items:
            await record_probe(session, event, envelope)

    async with backend.consumer(Batched(apply_all)) as consumer:
        envelopes = [Envelope.wrap(ProbeEmitted(probe_id=new_id()), source="test") for _ in range(20)]
        await consumer.bus.publish(envelopes)
        await consumer.bus.publish(envelopes)
        await eventually(lambda: _equals(backend.applied_counts(), (20, 20)), within=60)
        await asyncio.sleep(0.5)
        assert await backend.applied_counts() == (20, 20)
        assert sum(calls) == 20
        assert len(calls) < 20  # runs, not one call per event


async def test_handlers_continue_the_request_and_trace(backend: Backend):
    from kit_core import current_request_id_var, current_traceparent, current_traceparent_var, trace_id_of

    seen: list[tuple[str | None, str | None]] = []

    async def observe(session, event, envelope):
        seen.append((current_request_id_var.get(), trace_id_of(current_traceparent())))
        await record_probe(session, event, envelope)

    trace = "0af7651916cd43dd8448eb211c80319c"
    async with backend.consumer(observe), backend.producer() as producer:
        request = current_request_id_var.set("req-42")
        parent = current_traceparent_var.set(f"00-{trace}-b7ad6b7169203331-01")
        try:
            await emit(producer, 1)
        finally:
            current_request_id_var.reset(request)
            current_traceparent_var.reset(parent)
        await eventually(lambda: _equals(backend.applied_counts(), (1, 1)), within=60)
    assert seen == [("req-42", trace)]
