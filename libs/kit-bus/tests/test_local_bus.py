import asyncio

import pytest

from kit_bus import Envelope, LocalBus
from kit_bus.probe import ProbeEmitted
from kit_core import new_id


async def test_redelivering_bus_hands_each_record_twice_in_order():
    bus = LocalBus(redeliver=True)
    await bus.start()
    seen = []

    async def sink(records):
        seen.extend(r.offset for r in records)

    bus.subscribe("g", [ProbeEmitted.topic], sink)
    await bus.publish([Envelope.wrap(ProbeEmitted(probe_id=new_id()), source="t") for _ in range(3)])
    assert seen == [0, 1, 2, 0, 1, 2]


async def test_readiness_follows_start_and_stop():
    bus = LocalBus()
    with pytest.raises(ConnectionError):
        await bus.check()
    await bus.start()
    await bus.check()


async def test_dead_letters_from_before_a_restart_are_not_overwritten(tmp_path):
    """The in-process bus numbers offsets from 0 again after a restart; letters must stay distinct."""
    from kit_bus import PermanentError, open_runtime
    from kit_bus.probe import MIGRATIONS
    from kit_bus.testing import publish
    from kit_db import upgrade

    async def reject(session, event, envelope):
        raise PermanentError("never")

    url = f"sqlite+aiosqlite:///{tmp_path}/c.sqlite3"
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    for _ in range(2):  # two process lifetimes, each starting at offset 0
        bus = LocalBus()
        await bus.start()
        async with open_runtime(
            service="c",
            database_url=url,
            bus=bus,
            bus_kind="local",
            kafka_bootstrap="",
            handlers={ProbeEmitted: reject},
        ) as runtime:
            await publish(bus, [ProbeEmitted(probe_id=new_id())])
            letters = await runtime.consumer.dead_letters()
    assert len(letters) == 2
    assert {letter["offset"] for letter in letters} == {0}
