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
