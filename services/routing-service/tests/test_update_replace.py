"""Update (business type 2, by the sender's clerk) and replace (type 3, when docs-service replaces an
issued document): new deliveries beside the old ones; the recipient side flags them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from kit_bus import Consumer, dead_letter
from kit_bus.outbox import SOURCE
from kit_bus.testing import eventually, publish
from kit_contracts import DocumentRecalled, DocumentReplaced
from kit_db import make_engine, make_sessionmaker
from routing_service.handlers import HANDLERS

from .tenant import KIM_CHINH, KIM_SON, PHAT_DIEM, PROVINCE, SO_NOI_VU, VPCP
from .test_transport import transport_of

OLD = f"{PROVINCE},2026/11/27,12/QĐ-UBND"
NEW = f"{PROVINCE},2026/11/30,15/QĐ-UBND"


async def dispatch_to(exchange, document_id: UUID, *codes: str) -> dict[str, Any]:
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": list(codes)}}
    )
    assert created.status_code == 201, created.text
    return created.json()


def replaced(exchange, old: UUID, new: UUID) -> DocumentReplaced:
    return DocumentReplaced(
        document_id=old,
        org_id=UUID(exchange.org(PROVINCE)["id"]),
        occurred_at=exchange.clock.now(),
        exchange_id=OLD,
        replaced_by_id=new,
    )


async def test_a_replacement_goes_beside_every_delivery_of_the_replaced_document(exchange):
    old = await exchange.issue(PROVINCE)
    sent = await dispatch_to(exchange, old, KIM_SON, SO_NOI_VU, VPCP)
    to = {d["recipient_code"]: d for d in sent["deliveries"]}
    await exchange.answer("received", to[KIM_SON], settle_on="01")
    forwarded = await exchange.user(KIM_SON).post(
        f"/api/v1/deliveries/{to[KIM_SON]['id']}/forward", json={"recipients": {"codes": [PHAT_DIEM]}}
    )
    assert forwarded.status_code == 201, forwarded.text
    new = await exchange.issue(PROVINCE, exchange_id=NEW, number="15")

    event = replaced(exchange, old, new)
    await exchange.publish(event)
    await exchange.publish(event.model_copy(update={"event_id": uuid4()}))  # told twice: changes nothing
    await exchange.quiet()
    replacing = [e for e in exchange.events("created") if e["business_type"] == "3"]
    by_code = {e["recipient_org_code"]: e for e in replacing}
    assert sorted(by_code) == sorted([KIM_SON, SO_NOI_VU, VPCP, PHAT_DIEM])
    assert len(replacing) == 4
    assert {e["note"] for e in replacing} == {f"Thay thế văn bản {OLD}"}
    assert {e["document"]["document_id"] for e in replacing} == {str(new)}
    assert {e["document"]["exchange_id"] for e in replacing} == {NEW}
    assert by_code[PHAT_DIEM]["sender_org_code"] == KIM_SON
    assert by_code[PHAT_DIEM]["parent_delivery_id"] == to[KIM_SON]["id"]
    assert by_code[VPCP]["recipient_external"] is True
    assert by_code[KIM_SON]["dispatch_id"] != sent["id"]

    # the replaced document is not sent any more; the replacement is, and may be forwarded
    again = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(old), "recipients": {"codes": [SO_NOI_VU]}}
    )
    assert again.status_code == 409
    assert (again.json()["type"].rsplit("/", 1)[1], again.json()["replaced_by_id"]) == (
        "document-replaced",
        str(new),
    )
    # the recipient tracks it like any delivery; the sender's roll-up still counts only the document
    clerk = exchange.user(KIM_SON)
    inbox = (await clerk.get("/api/v1/inbox")).json()
    assert sorted(d["business_type"] for d in inbox) == ["0", "3"]
    delivery = {"id": by_code[KIM_SON]["delivery_id"], "recipient_org_id": exchange.org(KIM_SON)["id"]}
    await exchange.answer("received", delivery, settle_on="01")
    passed_on = await clerk.post(
        f"/api/v1/deliveries/{delivery['id']}/forward", json={"recipients": {"codes": [KIM_CHINH]}}
    )
    assert passed_on.status_code == 201, passed_on.text
    assert (passed_on.json()["document_id"], passed_on.json()["deliveries"][0]["business_type"]) == (
        str(new),
        "0",
    )
    rollup = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{sent['id']}/rollup")).json()
    assert (rollup["total"], rollup["levels"]) == (4, 2)
    listed = (await exchange.user(PROVINCE).get("/api/v1/dispatches")).json()
    assert sorted((d["document_id"], d["recipients"]) for d in listed) == sorted(
        [(str(old), 3), (str(new), 3)]
    )
    forwards = (await clerk.get("/api/v1/dispatches")).json()
    assert sorted((d["document_id"], d["recipients"]) for d in forwards) == sorted(
        [(str(old), 1), (str(new), 1), (str(new), 1)]  # the forward, its replacement, the new forward
    )


async def test_a_replacement_waits_for_the_new_document_to_reach_routing(exchange):
    old = await exchange.issue(PROVINCE)
    await dispatch_to(exchange, old, KIM_SON)
    new = uuid4()
    await publish(exchange.running.bus, [replaced(exchange, old, new)], source="docs-service")

    async def lettered() -> list[Any]:
        stmt = select(dead_letter.c.reason).where(dead_letter.c.replayed_at.is_(None))
        return list(await exchange.running.rows(stmt))

    letters = await eventually(lettered, within=60)
    assert "has not reached routing yet" in letters[0].reason
    assert [e for e in exchange.events("created") if e["business_type"] == "3"] == []

    await exchange.issue(PROVINCE, document_id=new, exchange_id=NEW, number="15")
    engine = make_engine(url=exchange.running.database_url, pool_size=2)
    try:
        consumer = Consumer(
            group="routing-service",
            sessionmaker=make_sessionmaker(engine, **{SOURCE: "routing-service"}),
            bus=exchange.running.bus,
            handlers=HANDLERS,
        )
        assert set(dict(await consumer.replay()).values()) == {"replayed"}
    finally:
        await engine.dispose()
    await exchange.quiet()
    replacing = [e for e in exchange.events("created") if e["business_type"] == "3"]
    assert [(e["recipient_org_code"], e["document"]["document_id"]) for e in replacing] == [
        (KIM_SON, str(new))
    ]


async def test_the_sender_tells_its_recipients_of_an_update(exchange):
    document_id = await exchange.issue(PROVINCE)
    sent = await dispatch_to(exchange, document_id, KIM_SON, VPCP)
    clerk = exchange.user(PROVINCE)
    note = "Đính chính thời gian tổ chức tại Điều 2"
    path = f"/api/v1/dispatches/{sent['id']}/update"

    assert (await exchange.user(PROVINCE, "leader").post(path, json={"note": note})).status_code == 403
    assert (await exchange.user(KIM_SON).post(path, json={"note": note})).status_code == 404
    empty = await clerk.post(path, json={"note": ""})
    assert empty.status_code == 422
    assert (await clerk.post(f"/api/v1/dispatches/{uuid4()}/update", json={"note": note})).status_code == 404

    key = {"Idempotency-Key": "dinh-chinh-1"}
    made = await clerk.post(path, json={"note": note}, headers=key)
    assert made.status_code == 201, made.text
    update = made.json()
    assert update["id"] != sent["id"]
    assert sorted((d["recipient_code"], d["business_type"], d["note"]) for d in update["deliveries"]) == [
        (VPCP, "2", note),
        (KIM_SON, "2", note),
    ]
    again = await clerk.post(path, json={"note": note}, headers=key)
    assert (again.status_code, again.json()["id"]) == (200, update["id"])
    other = await clerk.post(path, json={"note": "Khác"}, headers=key)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    nested = await clerk.post(f"/api/v1/dispatches/{update['id']}/update", json={"note": note})
    assert nested.status_code == 409
    assert nested.json()["type"].endswith("/not-updatable")

    await exchange.quiet()
    updates = [e for e in exchange.events("created") if e["business_type"] == "2"]
    assert sorted(e["recipient_org_code"] for e in updates) == sorted([KIM_SON, VPCP])
    assert {e["note"] for e in updates} == {note}
    assert {e["document"]["document_id"] for e in updates} == {str(document_id)}

    # docs-service flags an update and answers nothing: the sweep leaves it alone, not the document
    kim_son = next(d for d in update["deliveries"] if d["recipient_code"] == KIM_SON)
    original = next(d for d in sent["deliveries"] if d["recipient_code"] == KIM_SON)
    exchange.clock.advance(timedelta(seconds=601))

    async def announced_again() -> bool:
        return await transport_of(exchange, original["id"]) == ("failed", 2)

    await eventually(announced_again)
    assert await transport_of(exchange, kim_son["id"]) == ("pending", 1)

    await exchange.publish(
        DocumentRecalled(
            document_id=document_id,
            org_id=UUID(exchange.org(PROVINCE)["id"]),
            occurred_at=exchange.clock.now(),
            exchange_id=sent["exchange_id"],
            reason="Ban hành sai thẩm quyền",
        )
    )
    recalled = await clerk.post(path, json={"note": note})
    assert recalled.status_code == 409
    assert recalled.json()["type"].endswith("/document-recalled")
    await exchange.quiet()
    assert len([e for e in exchange.events("created") if e["business_type"] == "2"]) == 2
    assert await transport_of(exchange, kim_son["id"]) == ("pending", 1)
