import time

from kit_bus.outbox import SOURCE
from kit_contracts import IncomingReceived
from kit_db import make_engine, make_sessionmaker
from routing_service.org.seed import seed_demo

from .tenant import PROVINCE


async def test_a_directive_to_the_whole_province_arrives_everywhere(exchange):
    engine = make_engine(url=exchange.running.database_url, pool_size=2)
    try:
        await seed_demo(make_sessionmaker(engine, **{SOURCE: "routing-service"}), "full")
    finally:
        await engine.dispose()
    document_id = await exchange.issue(PROVINCE)
    started = time.monotonic()
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"subtrees": [PROVINCE]}}
    )
    assert created.status_code == 201, created.text
    deliveries = created.json()["deliveries"]
    assert len(deliveries) == 491
    assert not any(d["external"] for d in deliveries)
    await exchange.publish(
        *[
            IncomingReceived(
                document_id=document_id,
                org_id=d["recipient_org_id"],
                delivery_id=d["id"],
                occurred_at=exchange.clock.now(),
                exchange_id=created.json()["exchange_id"],
            )
            for d in deliveries
        ]
    )
    rollup = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{created.json()['id']}/rollup")).json()
    elapsed = time.monotonic() - started
    assert rollup["total"] == 491
    assert rollup["by_status"] == {"01": 491}
    assert rollup["by_transport"] == {"sent": 491}
    assert len(rollup["not_accepted"]) == 491  # arrived, not yet registered
    assert elapsed < 30, elapsed
