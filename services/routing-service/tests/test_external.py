"""The national axis half, with the test standing in for egov-gateway: transport states and statuses
of external deliveries, and inbound packages becoming deliveries to our agencies."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from kit_bus import Consumer, dead_letter
from kit_bus.outbox import SOURCE
from kit_bus.testing import eventually, publish
from kit_contracts import (
    BusinessType,
    DocumentSummary,
    ExternalStatusReceived,
    ExternalTransportChanged,
    InboundDocumentReceived,
    StatusCode,
)
from kit_db import make_engine, make_sessionmaker
from routing_service import models
from routing_service.handlers import HANDLERS

from .tenant import KIM_SON, PROVINCE, SO_NOI_VU, VPCP

BNV = "000.00.00.G09"  # Bộ Nội vụ, reached through the axis
GATEWAY = "egov-gateway"


async def transport_of(exchange, delivery_id: str) -> tuple[str, int]:
    rows = await exchange.running.rows(
        models.Delivery.__table__.select().where(models.Delivery.id == UUID(delivery_id))
    )
    return rows[0].transport, rows[0].attempts


async def add_central(exchange, code: str, name: str) -> None:
    made = await exchange.admin.post(
        "/api/v1/orgs",
        json={"code": code, "name": name, "tier": "central", "external": True, "qd20_code": code[-3:]},
    )
    assert made.status_code == 201, made.text
    exchange.orgs[code] = made.json()


async def send(exchange, *codes: str) -> dict[str, Any]:
    document_id = await exchange.issue(PROVINCE)
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": list(codes)}}
    )
    assert created.status_code == 201, created.text
    return {d["recipient_code"]: d for d in created.json()["deliveries"]}


def transport(delivery: dict[str, Any], state: str, attempts: int, exchange) -> ExternalTransportChanged:
    return ExternalTransportChanged(
        delivery_id=delivery["id"],
        package_id=uuid4(),
        state=state,
        attempts=attempts,
        detail="HTTP 503 từ trục" if state != "sent" else None,
        occurred_at=exchange.clock.now(),
    )


async def test_external_transport_only_moves_forward_and_giving_up_tells_the_sender(exchange):
    await add_central(exchange, BNV, "Bộ Nội vụ")
    to = await send(exchange, VPCP, BNV, KIM_SON)
    vpcp, bnv = to[VPCP], to[BNV]
    assert [d["external"] for d in (vpcp, bnv, to[KIM_SON])] == [True, True, False]

    await exchange.publish(transport(vpcp, "failed", 1, exchange), source=GATEWAY)
    assert await transport_of(exchange, vpcp["id"]) == ("failed", 1)
    await exchange.publish(transport(vpcp, "failed", 3, exchange), source=GATEWAY)
    await exchange.publish(transport(vpcp, "failed", 2, exchange), source=GATEWAY)  # late: older news
    assert await transport_of(exchange, vpcp["id"]) == ("failed", 3)
    await exchange.publish(transport(vpcp, "sent", 4, exchange), source=GATEWAY)
    await exchange.publish(transport(vpcp, "failed", 5, exchange), source=GATEWAY)
    await exchange.publish(transport(vpcp, "finally_failed", 5, exchange), source=GATEWAY)
    assert await transport_of(exchange, vpcp["id"]) == ("sent", 4)

    await exchange.publish(transport(bnv, "finally_failed", 5, exchange), source=GATEWAY)
    await exchange.publish(transport(bnv, "sent", 6, exchange), source=GATEWAY)
    await exchange.publish(transport(bnv, "finally_failed", 6, exchange), source=GATEWAY)
    assert await transport_of(exchange, bnv["id"]) == ("finally_failed", 5)
    # not the gateway's: a local delivery keeps routing's own transport
    await exchange.publish(transport(to[KIM_SON], "finally_failed", 5, exchange), source=GATEWAY)
    assert await transport_of(exchange, to[KIM_SON]["id"]) == ("pending", 1)

    await exchange.quiet()
    told = exchange.events("notify.request.created.v1")
    assert [(n["kind"], n["org_id"], n["org_roles"]) for n in told] == [
        ("delivery.failed", exchange.org(PROVINCE)["id"], ["clerk"])
    ]
    assert told[0]["data"]["recipient_code"] == BNV
    assert told[0]["data"]["external"] is True
    assert told[0]["idempotency_key"] == f"delivery.failed:{bnv['id']}"
    assert not exchange.events("status-changed")  # transport is not a business status
    view = (await exchange.user(PROVINCE).get(f"/api/v1/deliveries/{bnv['id']}")).json()
    assert (view["transport"], view["attempts"], view["status"]) == ("finally_failed", 5, None)


def status(delivery: dict[str, Any] | None, code: str, exchange, *, by: str = VPCP, **extra: Any):
    return ExternalStatusReceived(
        delivery_id=delivery["id"] if delivery else None,
        package_id=uuid4(),
        exchange_id=extra.pop("exchange_id", f"{PROVINCE},2026/11/27,12/QĐ-UBND"),
        from_org_code=by,
        status=StatusCode(code),
        occurred_at=exchange.clock.now(),
        **extra,
    )


async def test_statuses_from_the_axis_join_the_trail_in_order(exchange):
    await add_central(exchange, BNV, "Bộ Nội vụ")
    to = await send(exchange, VPCP, SO_NOI_VU)
    vpcp = to[VPCP]
    await exchange.publish(status(vpcp, "01", exchange, staff="Trần Thị Bình"), source=GATEWAY)
    await exchange.publish(
        status(vpcp, "03", exchange, description="Số đến 1024", staff="Trần Thị Bình"), source=GATEWAY
    )
    await exchange.publish(
        status(vpcp, "01", exchange),  # late or replayed: dropped
        status(vpcp, "04", exchange, by=BNV),  # not the recipient's: dropped
        status(to[SO_NOI_VU], "04", exchange),  # a local delivery: not the axis's to report
        status(None, "05", exchange, exchange_id="000.00.00.H42,2026/01/02,1/UBND-VP"),  # unmatched
        source=GATEWAY,
    )
    assert await exchange.statuses(vpcp["id"]) == ["01", "03"]
    assert await exchange.statuses(to[SO_NOI_VU]["id"]) == []
    await exchange.quiet()
    changed = exchange.events("status-changed")
    assert [(e["recipient_org_code"], e["status"], e["actor_name"]) for e in changed] == [
        (VPCP, "01", "Trần Thị Bình"),
        (VPCP, "03", "Trần Thị Bình"),
    ]
    view = (await exchange.user(PROVINCE).get(f"/api/v1/deliveries/{vpcp['id']}")).json()
    assert (view["transport"], view["status"], view["status_name"]) == ("sent", "03", "Đã tiếp nhận")
    assert view["trail"][1]["note"] == "Số đến 1024"


def inbound(
    exchange,
    *,
    sender: str = VPCP,
    recipient: str = KIM_SON,
    business_type: BusinessType = BusinessType.NEW,
    package_id: UUID | None = None,
    exchange_id: str = "000.00.00.G22,2026/11/26,245/VPCP-KGVX",
    note: str | None = None,
) -> InboundDocumentReceived:
    return InboundDocumentReceived(
        package_id=package_id or uuid4(),
        sender_org_code=sender,
        recipient_org_code=recipient,
        business_type=business_type,
        document=DocumentSummary(
            document_id=uuid4(),
            exchange_id=exchange_id,
            org_code=sender,
            org_name="Văn phòng Chính phủ",
            number="245",
            notation="VPCP-KGVX",
            type_name="Công văn",
            subject="Về việc triển khai Nghị quyết số 57-NQ/TW",
            urgency="khan",
            issued_on=date(2026, 11, 26),
            due_date=date(2026, 12, 10),
        ),
        signature="valid",
        received_at=exchange.clock.now(),
        note=note,
    )


async def dead_letters(exchange) -> list[Any]:
    return list(
        await exchange.running.rows(
            select(dead_letter.c.reason).where(
                dead_letter.c.consumer == "routing-service", dead_letter.c.replayed_at.is_(None)
            )
        )
    )


async def test_an_inbound_package_becomes_one_delivery_and_its_revoke_and_update_follow(exchange):
    package = inbound(exchange)
    await exchange.publish(package, source=GATEWAY)
    await exchange.publish(package.model_copy(update={"event_id": uuid4()}), source=GATEWAY)  # sent again
    await exchange.quiet()
    created = exchange.events("created")
    assert len(created) == 1
    first = created[0]
    assert (first["sender_org_code"], first["recipient_org_code"], first["recipient_external"]) == (
        VPCP,
        KIM_SON,
        False,
    )
    assert first["business_type"] == "0"
    assert first["document"]["exchange_id"] == package.document.exchange_id

    clerk = exchange.user(KIM_SON)
    inbox = (await clerk.get("/api/v1/inbox")).json()
    assert [(d["id"], d["sender_code"], d["deadline"]) for d in inbox] == [
        (first["delivery_id"], VPCP, "2026-12-10")
    ]
    delivery = {"id": first["delivery_id"], "recipient_org_id": exchange.org(KIM_SON)["id"]}
    await exchange.answer("received", delivery, settle_on="01")
    await exchange.answer("registered", delivery, settle_on="03")

    reason = "Thu hồi để đính chính thể thức văn bản"
    await exchange.publish(inbound(exchange, business_type=BusinessType.REVOKE, note=reason), source=GATEWAY)
    await exchange.publish(
        inbound(exchange, business_type=BusinessType.UPDATE, exchange_id=package.document.exchange_id),
        inbound(exchange, business_type=BusinessType.REPLACE, exchange_id=package.document.exchange_id),
        source=GATEWAY,
    )
    await exchange.quiet()
    later = {e["business_type"]: e for e in exchange.events("created")[1:]}
    assert sorted(later) == ["1", "2", "3"]
    assert {later[t]["recipient_org_code"] for t in "123"} == {KIM_SON}
    revoke = (await clerk.get(f"/api/v1/deliveries/{later['1']['delivery_id']}")).json()
    assert revoke["revokes_delivery_id"] == first["delivery_id"]
    assert revoke["note"] == later["1"]["note"] == reason  # the sender's reason, for docs-service's flag
    answered = await clerk.post(
        f"/api/v1/deliveries/{later['1']['delivery_id']}/recall-answer", json={"accept": True}
    )
    assert answered.status_code == 200, answered.text

    await exchange.quiet()
    back = [
        (e["delivery_id"], e["status"], e["recipient_org_code"]) for e in exchange.events("status-changed")
    ]
    assert back == [
        (first["delivery_id"], "01", KIM_SON),
        (first["delivery_id"], "03", KIM_SON),
        (later["1"]["delivery_id"], "15", KIM_SON),
    ]
    assert exchange.events("status-changed")[0]["sender_org_id"] == exchange.org(VPCP)["id"]
    assert await dead_letters(exchange) == []


async def test_one_package_for_two_of_our_agencies_reaches_both(exchange):
    package = inbound(exchange)
    await exchange.publish(package, source=GATEWAY)
    await exchange.publish(
        package.model_copy(update={"recipient_org_code": SO_NOI_VU, "event_id": uuid4()}), source=GATEWAY
    )
    await exchange.quiet()
    assert sorted(e["recipient_org_code"] for e in exchange.events("created")) == sorted([KIM_SON, SO_NOI_VU])


async def test_an_unknown_sender_is_dead_lettered_and_replayed_after_a_directory_sync(exchange):
    newcomer = "000.00.00.G20"
    stray = inbound(exchange, sender=newcomer)
    orphan_revoke = inbound(exchange, business_type=BusinessType.REVOKE, exchange_id="000.00.00.G22,x,1/VPCP")
    for event in (stray, orphan_revoke):
        await publish(exchange.running.bus, [event], source=GATEWAY)

    async def lettered() -> bool:
        return len(await dead_letters(exchange)) >= 2

    await eventually(lettered, within=30)
    reasons = " | ".join(r.reason for r in await dead_letters(exchange))
    assert f"the sender {newcomer} is not in the directory" in reasons
    assert "which it never sent to" in reasons
    await exchange.quiet()
    assert exchange.events("created") == []
    # the directory sync brings the sender; the orphan revoke stays a dead letter
    await add_central(exchange, newcomer, "Bộ Y tế")
    engine = make_engine(url=exchange.running.database_url, pool_size=2)
    try:
        consumer = Consumer(
            group="routing-service",
            sessionmaker=make_sessionmaker(engine, **{SOURCE: "routing-service"}),
            bus=exchange.running.bus,
            handlers=HANDLERS,
        )
        results = dict(await consumer.replay())
    finally:
        await engine.dispose()
    assert list(results.values()).count("replayed") == 1, results
    await exchange.quiet()
    created = exchange.events("created")
    assert [(e["sender_org_code"], e["recipient_org_code"]) for e in created] == [(newcomer, KIM_SON)]
    assert ["which it never sent to" in r.reason for r in await dead_letters(exchange)] == [True]
