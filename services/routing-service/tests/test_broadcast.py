from uuid import uuid4

from kit_bus.outbox import SOURCE
from kit_contracts import IncomingReceived, IncomingRegistered
from kit_db import make_engine, make_sessionmaker
from routing_service.org.seed import seed_demo

from .tenant import ISSUED_ON, PROVINCE


async def test_a_directive_to_the_whole_province_arrives_everywhere(exchange):
    engine = make_engine(url=exchange.running.database_url, pool_size=2)
    try:
        await seed_demo(make_sessionmaker(engine, **{SOURCE: "routing-service"}), "full")
    finally:
        await engine.dispose()
    document_id = await exchange.issue(PROVINCE)
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
    assert rollup["total"] == 491
    assert rollup["by_status"] == {"01": 491}
    assert rollup["by_transport"] == {"sent": 491}
    assert len(rollup["not_accepted"]) == 491  # arrived, not yet registered


async def test_answers_applied_a_batch_at_a_time_keep_the_trail_in_order(exchange):
    """docs' answers arrive in batches: one 01 per delivery, a second 01 for one of them (a new event
    for the same delivery), a 03 after its 01 in the same batch, one from an agency that is not the
    recipient and one for no delivery at all. Each trail comes out as if applied one by one."""
    document_id = await exchange.issue(PROVINCE)
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"subtrees": [PROVINCE]}}
    )
    assert created.status_code == 201, created.text
    deliveries = created.json()["deliveries"]
    assert len(deliveries) >= 3

    def received(d, org_id=None):
        return IncomingReceived(
            document_id=document_id,
            org_id=org_id or d["recipient_org_id"],
            delivery_id=d["id"],
            occurred_at=exchange.clock.now(),
            exchange_id=created.json()["exchange_id"],
        )

    first, second, *_ = deliveries
    registered = IncomingRegistered(
        document_id=document_id,
        org_id=second["recipient_org_id"],
        delivery_id=second["id"],
        occurred_at=exchange.clock.now(),
        arrival_number=12,
        arrival_date=ISSUED_ON,
    )
    await exchange.publish(
        *[received(d) for d in deliveries],
        received(first),
        registered,
        received(first, org_id=second["recipient_org_id"]),
        received({"id": str(uuid4()), "recipient_org_id": first["recipient_org_id"]}),
    )
    assert await exchange.statuses(first["id"]) == ["01"]
    assert await exchange.statuses(second["id"]) == ["01", "03"]
    for d in deliveries[2:]:
        assert await exchange.statuses(d["id"]) == ["01"]
    rollup = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{created.json()['id']}/rollup")).json()
    assert rollup["by_status"] == {"01": len(deliveries) - 1, "03": 1}
    trail = (await exchange.user(PROVINCE).get(f"/api/v1/deliveries/{second['id']}")).json()
    assert [(t["code"], t["note"]) for t in trail["trail"]] == [("01", None), ("03", "Số đến 12")]
