from datetime import timedelta
from uuid import UUID

from kit_bus.testing import eventually
from routing_service import models

from .tenant import KIM_SON, PROVINCE, SO_NOI_VU, VPCP

ACK = timedelta(seconds=601)  # just past delivery_ack_seconds


async def transport_of(exchange, delivery_id):
    rows = await exchange.running.rows(
        models.Delivery.__table__.select().where(models.Delivery.id == UUID(delivery_id))
    )
    return rows[0].transport, rows[0].attempts


async def test_unanswered_local_deliveries_are_announced_again_then_given_up(exchange):
    document_id = await exchange.issue(PROVINCE)
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches",
        json={"document_id": str(document_id), "recipients": {"codes": [KIM_SON, SO_NOI_VU, VPCP]}},
    )
    to = {d["recipient_code"]: d for d in created.json()["deliveries"]}
    await exchange.answer("received", to[SO_NOI_VU], settle_on="01")

    for attempts in (2, 3):
        exchange.clock.advance(ACK)

        async def announced(attempts=attempts):
            return await transport_of(exchange, to[KIM_SON]["id"]) == ("failed", attempts)

        await eventually(announced)
    await exchange.quiet()
    again = [e for e in exchange.events("created") if e["recipient_org_code"] == KIM_SON]
    assert len(again) == 3
    assert {e["delivery_id"] for e in again} == {to[KIM_SON]["id"]}
    assert await transport_of(exchange, to[SO_NOI_VU]["id"]) == ("sent", 1)
    assert await transport_of(exchange, to[VPCP]["id"]) == ("pending", 1)  # the gateway's to report

    exchange.clock.advance(ACK)

    async def given_up():
        return await transport_of(exchange, to[KIM_SON]["id"]) == ("finally_failed", 3)

    await eventually(given_up)
    await exchange.quiet()
    told = exchange.events("notify.request.created.v1")
    assert [(n["kind"], n["org_id"], n["org_roles"]) for n in told] == [
        ("delivery.failed", exchange.org(PROVINCE)["id"], ["clerk"])
    ]
    assert told[0]["data"]["recipient_code"] == KIM_SON
    exchange.clock.advance(ACK)
    await exchange.quiet()
    assert len([e for e in exchange.events("created") if e["recipient_org_code"] == KIM_SON]) == 3

    # a late pick-up still counts: the business status arrives and the transport is settled
    await exchange.answer("received", to[KIM_SON], settle_on="01")
    assert await transport_of(exchange, to[KIM_SON]["id"]) == ("sent", 3)
