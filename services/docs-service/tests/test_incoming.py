"""Incoming intake: routing's delivery becomes the recipient's copy, once, verbatim; the clerks are
told; a clerk registers it (arrival number, continuous) or returns it (reason mandatory); a recall,
update or replacement is a flag, never applied."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from docs_service import models
from docs_service.commands import audit as audit_command
from docs_service.config import Settings
from kit_bus.testing import publish
from kit_contracts import BusinessType, DeliveryCreated, DocumentSummary, Urgency

from .docs_harness import People, agency, events, issued, step

SENDER_CODE = "000.00.00.G22"


def delivery(recipient, *, urgency=Urgency.NORMAL, business_type=BusinessType.NEW, exchange_id=None, **extra):
    summary = DocumentSummary(
        document_id=uuid4(),
        exchange_id=exchange_id or f"{SENDER_CODE},2026/11/20,7816/VPCP-TTĐT",
        org_code=SENDER_CODE,
        org_name="Văn phòng Chính phủ",
        number="7816",
        notation="VPCP-TTĐT",
        type_name="Công văn",
        subject="Về việc triển khai Nghị định 30/2020/NĐ-CP",
        urgency=urgency,
        issued_on=date(2026, 11, 20),
        signer_name="Nguyễn Văn Sơn",
        signer_position="Phó Chủ nhiệm",
        signer_competence="KT.",
    )
    return DeliveryCreated(
        delivery_id=uuid4(),
        dispatch_id=uuid4(),
        business_type=business_type,
        sender_org_id=uuid4(),
        sender_org_code=SENDER_CODE,
        recipient_org_id=recipient,
        recipient_org_code="000.00.00.H42",
        recipient_external=False,
        document=summary,
        created_at=datetime.now(UTC),
        **extra,
    )


@pytest.fixture
async def people(service):
    return People(service, await agency(service))


async def copies(service):
    return await service.scalar(
        select(func.count()).select_from(models.Document).where(models.Document.direction == "incoming")
    )


async def only_incoming(people):
    listed = (await people.clerk.get("/api/v1/documents", params={"direction": "incoming"})).json()
    return listed["items"]


async def test_a_delivery_arrives_once_and_the_clerks_are_told(service, people):
    sent = delivery(people.org_id)
    await publish(service.bus, [sent, sent])  # and the bus redelivers each: four times in all
    assert await copies(service) == 1
    [doc] = await only_incoming(people)
    assert doc["status"] == "arrived"
    assert doc["exchange_id"] == sent.document.exchange_id  # verbatim
    assert (doc["number"], doc["notation"], doc["code"]) == ("7816", "VPCP-TTĐT", "7816/VPCP-TTĐT")
    assert (doc["sender_org_code"], doc["sender_name"]) == (SENDER_CODE, "Văn phòng Chính phủ")
    assert (doc["delivery_id"], doc["org_id"]) == (str(sent.delivery_id), str(people.org_id))
    assert doc["document_date"] == "2026-11-20"
    assert (doc["type_code"], doc["type_name"], doc["type_abbreviation"]) == ("cong_van", "Công văn", None)

    [received] = await events(service, "docs.incoming.received.v1")
    assert (received["delivery_id"], received["document_id"]) == (str(sent.delivery_id), doc["id"])
    assert received["exchange_id"] == sent.document.exchange_id
    [notice] = await events(service, "notify.request.created.v1")
    assert notice["kind"] == "document.arrived"
    assert (notice["org_id"], notice["org_roles"]) == (str(people.org_id), ["clerk"])
    assert notice["idempotency_key"] == f"document.arrived:{sent.delivery_id}"
    assert notice["critical"] is False
    assert notice["data"] == {
        "sender_name": "Văn phòng Chính phủ",
        "number": "7816/VPCP-TTĐT",
        "subject": "Về việc triển khai Nghị định 30/2020/NĐ-CP",
        "urgency": "thuong",
        "document_id": doc["id"],
    }


@pytest.mark.parametrize(
    ("urgency", "critical"),
    [
        (Urgency.FLASH, True),
        (Urgency.FLASH_TIMED, True),
        (Urgency.VERY_URGENT, False),
        (Urgency.URGENT, False),
    ],
)
async def test_hoa_toc_is_critical(service, people, urgency, critical):
    await publish(service.bus, [delivery(people.org_id, urgency=urgency)])
    [notice] = await events(service, "notify.request.created.v1")
    assert notice["critical"] is critical


async def test_deliveries_not_for_us_are_left_alone(service, people):
    external = delivery(people.org_id).model_copy(update={"recipient_external": True})
    stranger = delivery(uuid4())
    await publish(service.bus, [external, stranger])
    assert await copies(service) == 0
    assert await events(service, "notify.request.created.v1") == []


async def test_the_clerk_registers_with_continuous_arrival_numbers(service, people):
    first, second = (
        delivery(people.org_id),
        delivery(people.org_id, exchange_id=f"{SENDER_CODE},2026/11/21,12/QĐ-UBND"),
    )
    await publish(service.bus, [first, second])
    docs = sorted(await only_incoming(people), key=lambda d: d["exchange_id"])
    for role in ("specialist", "leader"):
        refused = await service.client_for(people.org_id, [role]).post(
            f"/api/v1/documents/{docs[0]['id']}/register"
        )
        assert refused.status_code == 403
    a = await step(people.clerk, docs[0]["id"], "register")
    b = await step(people.clerk, docs[1]["id"], "register", {"arrival_date": "2026-11-26"})
    assert (a["status"], a["arrival_number"], b["arrival_number"]) == ("registered", 1, 2)
    assert b["arrival_date"] == "2026-11-26"
    registered = await events(service, "docs.incoming.registered.v1")
    assert [e["arrival_number"] for e in registered] == [1, 2]
    assert registered[0]["delivery_id"] in {str(first.delivery_id), str(second.delivery_id)}
    twice = await people.clerk.post(f"/api/v1/documents/{docs[0]['id']}/register")
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/wrong-status")
    edit = await people.leader.patch(f"/api/v1/documents/{docs[0]['id']}", json={"subject": "khác"})
    assert edit.status_code == 409
    registers = (await people.clerk.get("/api/v1/registers")).json()
    assert {(r["kind"], r["last_number"]) for r in registers} == {("outgoing", 0), ("incoming", 2)}


async def test_the_clerk_returns_with_a_reason(service, people):
    sent = delivery(people.org_id)
    await publish(service.bus, [sent])
    [doc] = await only_incoming(people)
    for body in (None, {}, {"reason": ""}, {"reason": "   "}):
        refused = await people.clerk.post(f"/api/v1/documents/{doc['id']}/return", json=body)
        assert refused.status_code == 422, body
        assert refused.headers["content-type"] == "application/problem+json"
    returned = await step(people.clerk, doc["id"], "return", {"reason": "Gửi nhầm cơ quan"})
    assert (returned["status"], returned["returned_reason"]) == ("returned", "Gửi nhầm cơ quan")
    [event] = await events(service, "docs.incoming.returned.v1")
    assert (event["delivery_id"], event["reason"]) == (str(sent.delivery_id), "Gửi nhầm cơ quan")
    late = await people.clerk.post(f"/api/v1/documents/{doc['id']}/register")
    assert late.status_code == 409


async def test_a_recall_is_a_flag_never_applied(service, people):
    original = delivery(people.org_id)
    await publish(service.bus, [original])
    [doc] = await only_incoming(people)
    await step(people.clerk, doc["id"], "register")
    recall = delivery(
        people.org_id,
        business_type=BusinessType.REVOKE,
        exchange_id=original.document.exchange_id,
        note="Thu hồi do sai sót thể thức",
    )
    await publish(service.bus, [recall])
    assert await copies(service) == 1
    after = (await people.clerk.get(f"/api/v1/documents/{doc['id']}")).json()
    assert after["status"] == "registered"  # untouched
    assert [(f["kind"], f["note"], f["delivery_id"]) for f in after["flags"]] == [
        ("revoke", "Thu hồi do sai sót thể thức", str(recall.delivery_id))
    ]
    notices = await events(service, "notify.request.created.v1")
    assert [n["kind"] for n in notices] == ["document.arrived", "document.flagged"]
    assert notices[1]["data"]["flag"] == "revoke"
    assert len(await events(service, "docs.incoming.received.v1")) == 1


async def test_a_replacement_arrives_as_a_new_flagged_copy(service, people):
    replacement = delivery(
        people.org_id,
        business_type=BusinessType.REPLACE,
        exchange_id=f"{SENDER_CODE},2026/11/25,7900/VPCP-TTĐT",
    )
    await publish(service.bus, [replacement])
    [doc] = await only_incoming(people)
    assert doc["status"] == "arrived"
    full = (await people.clerk.get(f"/api/v1/documents/{doc['id']}")).json()
    assert [f["kind"] for f in full["flags"]] == ["replace"]
    [notice] = await events(service, "notify.request.created.v1")
    assert (notice["kind"], notice["data"]["flag"]) == ("document.arrived", "replace")


async def test_the_sender_does_not_see_the_recipients_copy(service, people):
    recipient = People(service, await agency(service, code="000.00.15.H42", name="UBND huyện Kim Sơn"))
    mine = await issued(people)
    sent = delivery(recipient.org_id, exchange_id=mine["exchange_id"])
    await publish(service.bus, [sent])
    [copy] = await only_incoming(recipient)
    assert copy["exchange_id"] == mine["exchange_id"]
    assert (await people.clerk.get(f"/api/v1/documents/{copy['id']}")).status_code == 404
    assert (await recipient.clerk.get(f"/api/v1/documents/{mine['id']}")).status_code == 404
    outgoing = await recipient.clerk.post(f"/api/v1/documents/{mine['id']}/register")
    assert outgoing.status_code == 404


async def test_a_batch_of_deliveries_is_taken_in_at_once_as_if_one_by_one(service, people, tmp_path):
    """What a broadcast looks like to docs: many deliveries in one batch, among them a re-announced
    one (same delivery, new event), a recall of a copy made in the same batch, one for an agency
    docs does not know and one for the axis. Every copy once, the recall a flag on its copy, the
    audit chain intact."""
    other = await agency(service, code="000.00.00.H40", name="Ủy ban nhân dân tỉnh Nam Định")
    news = [delivery(people.org_id, exchange_id=f"{SENDER_CODE},2026/11/20,{n}/VPCP-TTĐT") for n in (1, 2, 3)]
    news.append(delivery(other))
    again = news[0].model_copy()  # routing announcing a pending delivery again: a new event
    recall = delivery(
        people.org_id, business_type=BusinessType.REVOKE, exchange_id=news[1].document.exchange_id
    )
    stranger = delivery(uuid4())
    axis = delivery(people.org_id).model_copy(update={"recipient_external": True})
    await publish(service.bus, [*news, again, recall, stranger, axis])

    held = await service.rows(
        select(models.Document.delivery_id, models.Document.org_id, models.Document.exchange_id).where(
            models.Document.direction == "incoming"
        )
    )
    assert sorted((d, o, x) for d, o, x in held) == sorted(
        (n.delivery_id, n.recipient_org_id, n.document.exchange_id) for n in news
    )
    [flag] = await service.rows(select(models.DocumentFlag.document_id, models.DocumentFlag.kind))
    [recalled] = [i for i, n in enumerate(news) if n.document.exchange_id == recall.document.exchange_id]
    copy_id = await service.scalar(
        select(models.Document.id).where(models.Document.delivery_id == news[recalled].delivery_id)
    )
    assert flag == (copy_id, "revoke")
    assert len(await events(service, "docs.incoming.received.v1")) == len(news)
    notices = await events(service, "notify.request.created.v1")
    assert sorted(n["kind"] for n in notices) == ["document.arrived"] * len(news) + ["document.flagged"]
    assert len({n["idempotency_key"] for n in notices}) == len(notices)
    # One audit entry per copy, chained in order.
    assert await service.scalar(
        select(func.count())
        .select_from(models.DocumentAudit)
        .where(models.DocumentAudit.kind == "document.received")
    ) == len(news)
    settings = Settings(database_url=service.database_url, blob_dir=tmp_path / "blobs")
    assert await audit_command(settings, ["verify"]) == 0
    # Search has every copy.
    found = (await people.clerk.get("/api/v1/search", params={"q": "nghi dinh 30"})).json()
    assert found["total"] == 3
