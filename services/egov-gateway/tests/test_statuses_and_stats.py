"""Our statuses back to external senders through the sandbox, and the Government-portal statistics.

Statuses: a ministry's document reaches our commune; routing's DeliveryStatusChanged 01, 03, 05 (and a
province's 02 with its reason) become signed status packages the sandbox receives from us.
Statistics: a generated month of events with known outcomes (seeded), fed in shuffled and repeated,
must give the numbers computed here independently from the raw event list; the monthly push reaches the
sandbox's portal once per agency-month and again when the numbers change.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from axis_support import SYSTEM, LoseAnswers, sandbox_in_process
from sqlalchemy import func, select
from test_exchange import (
    COMMUNE,
    HOME_AFFAIRS,
    OFFICE,
    PROVINCE,
    TRANSPORT,
    events,
    evidence,
    gateway,
    packages,
    summary,
)

from egov_gateway.exchange import VIETNAM_TZ, StatusPackage, parse_package, verify_package
from kit_bus.tables import dead_letter, inbox
from kit_bus.testing import DIALECTS, eventually, publish
from kit_contracts import (
    BusinessType,
    DeliveryCreated,
    DeliveryStatusChanged,
    Event,
    FileRef,
    OrgCreated,
    StatusCode,
    Tier,
)

ACTOR = "Nguyễn Thị Lan"


def status_event(
    delivery_id: UUID,
    status: StatusCode,
    *,
    exchange_id: str,
    recipient: OrgCreated = COMMUNE,
    sender: OrgCreated = HOME_AFFAIRS,
    note: str | None = None,
    at: datetime | None = None,
    actor_name: str | None = ACTOR,
) -> DeliveryStatusChanged:
    return DeliveryStatusChanged(
        delivery_id=delivery_id,
        dispatch_id=uuid4(),
        document_id=uuid4(),
        exchange_id=exchange_id,
        sender_org_id=sender.org_id,
        recipient_org_id=recipient.org_id,
        recipient_org_code=recipient.code,
        status=status,
        note=note,
        actor_id=uuid4(),
        actor_name=actor_name,
        occurred_at=at or datetime.now(UTC),
    )


async def statuses_at_the_sandbox(sandbox, sender: str) -> list[StatusPackage]:
    found = []
    for message in list(sandbox.state.store.messages.values()):
        if message.message_type == "status" and message.sender == sender:
            package = parse_package(message.body)
            assert isinstance(package, StatusPackage)
            found.append(package)
    return sorted(found, key=lambda p: p.status_code)


async def all_handled(service, envelopes) -> bool:
    handled = set(await service.rows(select(inbox.c.event_id)))
    return {e.id for e in envelopes} <= {row[0] for row in handled}


async def ministry_document(sandbox, service, admin) -> str:
    sent = await admin.post(
        "/admin/send",
        json={
            "from_code": HOME_AFFAIRS.code,
            "to": [COMMUNE.code, PROVINCE.code],
            "number": "4521",
            "notation": "BNV-CCVC",
            "subject": "V/v rà soát, sắp xếp đơn vị hành chính cấp xã",
            "issued_on": "2026-11-25",
        },
    )
    assert sent.status_code == 201, sent.text
    await eventually(lambda: packages(service, direction="in"))
    document_id: str = sent.json()["document_id"]
    return document_id


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_our_statuses_on_a_ministry_document_reach_the_ministry_through_the_axis(dialect, tmp_path):
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox) as service,
        sandbox.admin() as admin,
    ):
        document_id = await ministry_document(sandbox, service, admin)
        commune_delivery, province_delivery, local_delivery = uuid4(), uuid4(), uuid4()
        at = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
        feed = [
            status_event(commune_delivery, StatusCode.ARRIVED, exchange_id=document_id, at=at),
            status_event(
                commune_delivery, StatusCode.ACCEPTED, exchange_id=document_id, at=at + timedelta(hours=1)
            ),
            status_event(
                commune_delivery, StatusCode.PROCESSING, exchange_id=document_id, at=at + timedelta(hours=2)
            ),
            # the same status again (another event): one package per (delivery, status)
            status_event(
                commune_delivery, StatusCode.ACCEPTED, exchange_id=document_id, at=at + timedelta(hours=3)
            ),
            status_event(
                province_delivery,
                StatusCode.REFUSED,
                exchange_id=document_id,
                recipient=PROVINCE,
                note="Văn bản không thuộc thẩm quyền giải quyết của UBND tỉnh",
                at=at,
                actor_name=None,
            ),
            # a local delivery (no package came in as this exchange id): nothing goes to the axis
            status_event(
                local_delivery,
                StatusCode.ARRIVED,
                exchange_id="000.00.00.H42,2026/11/20,125/UBND-VP",
                sender=PROVINCE,
            ),
        ]
        envelopes = await publish(service.bus, feed)
        await eventually(lambda: all_handled(service, envelopes))

        commune = await eventually(
            lambda: _if_len(statuses_at_the_sandbox(sandbox, COMMUNE.code), 3), within=30
        )
        assert [p.status_code for p in commune] == ["01", "03", "05"]
        for package in commune:
            assert package.response_for.document_id == document_id
            assert package.response_for.organ_id == HOME_AFFAIRS.code
            assert package.response_for.code == "4521/BNV-CCVC"
            assert package.response_for.promulgation_date == date(2026, 11, 25)
            assert package.sender.organ_id == COMMUNE.code
            assert package.sender.organ_name == "UBND xã Gia Sinh"
            assert package.staff_info is not None
            assert package.staff_info.staff == ACTOR
        assert [p.description for p in commune] == ["Đã đến", "Đã tiếp nhận", "Đang xử lý"]
        assert commune[0].timestamp == at
        [refused] = await eventually(lambda: _if_len(statuses_at_the_sandbox(sandbox, PROVINCE.code), 1))
        assert refused.status_code == "02"
        assert refused.description == "Văn bản không thuộc thẩm quyền giải quyết của UBND tỉnh"
        assert refused.staff_info is None

        # the ministry recalls the document; the commune agrees (15 on routing's recall delivery)
        recall = await admin.post(
            "/admin/send",
            json={
                "from_code": HOME_AFFAIRS.code,
                "to": [COMMUNE.code],
                "business_type": "1",
                "number": "4530",
                "notation": "BNV-CCVC",
                "document_id": document_id,
                "reason": "Thu hồi do sai sót thể thức",
            },
        )
        assert recall.status_code == 201, recall.text
        await eventually(lambda: _if_len(packages(service, direction="in"), 2))
        agreed = status_event(
            uuid4(), StatusCode.RECALL_ACCEPTED, exchange_id=document_id, note="Đồng ý thu hồi"
        )
        recall_envelopes = await publish(service.bus, [agreed])
        await eventually(lambda: all_handled(service, recall_envelopes))
        commune = await eventually(lambda: _if_len(statuses_at_the_sandbox(sandbox, COMMUNE.code), 4))
        assert commune[-1].status_code == "15"
        assert commune[-1].response_for.document_id == document_id  # the recalled document

        # the sandbox shows what it received: signed by us, for the ministry (transport done there)
        listed = (await admin.get("/admin/edocs")).json()["items"]
        from_us = sorted(
            (item["from"], item["status_code"], item["response_for"])
            for item in listed
            if item["message_type"] == "status"
        )
        assert from_us == sorted(
            [
                (COMMUNE.code, "01", document_id),
                (COMMUNE.code, "03", document_id),
                (COMMUNE.code, "05", document_id),
                (COMMUNE.code, "15", document_id),
                (PROVINCE.code, "02", document_id),
            ]
        )
        messages = [m for m in sandbox.state.store.messages.values() if m.message_type == "status"]
        assert len(messages) == 5
        assert all(m.recipients == {HOME_AFFAIRS.code: "done"} for m in messages)
        assert all(verify_package(m.body).valid for m in messages)

        async def all_sent():
            found = await packages(service, direction="out", kind="status")
            return found if len(found) == 5 and all(p.state == "sent" for p in found) else None

        ours = await all_sent() or await eventually(all_sent)
        for package in ours:
            stored = await evidence(service, package.id)
            assert stored.raw == sandbox.state.store.messages[package.axis_doc_id or ""].body
        assert await events(service, TRANSPORT) == []  # routing has no delivery for our own statuses

        # the commune sees its status packages; another agency does not
        mine = await service.client_for(COMMUNE.org_id, ["clerk"]).get(
            "/api/v1/exchange/packages", params={"direction": "out"}
        )
        assert sorted(p["status_code"] for p in mine.json()) == ["01", "03", "05", "15"]
        # a redelivery later changes nothing
        again = await publish(service.bus, feed[:3])
        await eventually(lambda: all_handled(service, again))
        assert len(await packages(service, direction="out", kind="status")) == 5


async def _if_len(coroutine, n: int) -> Any:
    found = await coroutine
    return found if len(found) == n else None


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_status_the_axis_cannot_take_yet_is_retried_with_backoff(dialect, tmp_path):
    async with sandbox_in_process() as sandbox:
        flaky = LoseAnswers(sandbox.transport, method="POST", path_part="/api/edocs", count=2, reach=False)
        sandbox.transport = flaky
        async with gateway(dialect, tmp_path, sandbox) as service, sandbox.admin() as admin:
            document_id = await ministry_document(sandbox, service, admin)
            await publish(service.bus, [status_event(uuid4(), StatusCode.ARRIVED, exchange_id=document_id)])

            async def sent():
                found = await packages(service, direction="out", kind="status")
                return found if found and found[0].state == "sent" else None

            [package] = await eventually(sent)
            assert package.attempts == 3  # two sends lost before they reached the axis, then sent
            assert flaky.lost == 2
            assert len(await statuses_at_the_sandbox(sandbox, COMMUNE.code)) == 1


# --- statistics ---------------------------------------------------------------------------------

DISTRICT = OrgCreated(
    org_id=uuid4(),
    code="000.05.00.H42",
    name="UBND huyện Nho Quan",
    tier=Tier.DISTRICT,
    parent_id=PROVINCE.org_id,
)
LOCAL = [PROVINCE, DISTRICT, COMMUNE]
EXTERNAL = [HOME_AFFAIRS, OFFICE]
MONTH = "2026-10"


@dataclass
class Generated:
    created: list[DeliveryCreated]
    statuses: list[DeliveryStatusChanged]


def generate_month(seed: int, count: int = 90) -> Generated:
    """Deliveries around October 2026 (some on the month's edges in Vietnam time), random outcomes."""
    rng = random.Random(seed)
    start = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-09-30 23:00 in Vietnam
    created, statuses = [], []
    documents: list[tuple[OrgCreated, Any]] = []
    for _ in range(count):
        if documents and rng.random() < 0.3:
            sender, document = rng.choice(documents)  # the same document to another recipient
        else:
            sender = rng.choice(LOCAL + EXTERNAL[:1])
            due = date(2026, 10, rng.randint(1, 31)) if rng.random() < 0.7 else None
            files = [
                FileRef(
                    file_id=uuid4(),
                    sha256="b" * 64,
                    name="Văn bản.pdf",
                    content_type="application/pdf",
                    size=1000,
                    main=rng.random() < 0.6,
                )
            ]
            document = summary(
                document_id=uuid4(),
                exchange_id=f"{sender.code},2026/10/01,{rng.randint(1, 9999)}/UBND-VP",
                org_id=sender.org_id,
                org_code=sender.code,
                due_date=due,
                files=files,
            )
            documents.append((sender, document))
        recipients = [o for o in LOCAL + EXTERNAL if o.org_id != sender.org_id]
        if sender.external:
            recipients = LOCAL
        recipient = rng.choice(recipients)
        at = start + timedelta(minutes=rng.randint(0, 32 * 24 * 60))
        kind = BusinessType.NEW if rng.random() < 0.85 else rng.choice(list(BusinessType)[1:])
        delivery = DeliveryCreated(
            delivery_id=uuid4(),
            dispatch_id=uuid4(),
            business_type=kind,
            sender_org_id=sender.org_id,
            sender_org_code=sender.code,
            recipient_org_id=recipient.org_id,
            recipient_org_code=recipient.code,
            recipient_external=recipient.external,
            document=document,
            created_at=at,
        )
        created.append(delivery)
        trail = [StatusCode.ARRIVED, StatusCode.ACCEPTED, StatusCode.PROCESSING]
        outcome = rng.random()
        if outcome < 0.65:
            trail.append(StatusCode.COMPLETED)
        moment = at
        due = document.due_date
        edge = due is not None and rng.random() < 0.4  # a 06 late on the due date or just after it
        for code in trail:
            moment += timedelta(hours=rng.randint(1, 24 * 12))
            if code is StatusCode.COMPLETED and edge and due is not None:
                last_minute = datetime(due.year, due.month, due.day, 23, 50, tzinfo=VIETNAM_TZ)
                moment = last_minute + timedelta(minutes=rng.choice((0, 20)))
            statuses.append(
                status_event(
                    delivery.delivery_id,
                    code,
                    exchange_id=document.exchange_id,
                    recipient=recipient,
                    sender=sender,
                    at=moment,
                )
            )
        if trail[-1] is StatusCode.COMPLETED and rng.random() < 0.2:  # a second, later 06
            statuses.append(
                status_event(
                    delivery.delivery_id,
                    StatusCode.COMPLETED,
                    exchange_id=document.exchange_id,
                    recipient=recipient,
                    sender=sender,
                    at=moment + timedelta(days=3),
                )
            )
    return Generated(created=created, statuses=statuses)


def vn_month(at: datetime) -> str:
    return at.astimezone(VIETNAM_TZ).strftime("%Y-%m")


def expected_stats(generated: Generated, month: str) -> dict[str, dict[str, int]]:
    """Counted straight from the raw events, without the service's code."""
    external = {o.org_id for o in EXTERNAL}
    code_of = {o.org_id: o.code for o in LOCAL + EXTERNAL}
    first_completion: dict[UUID, datetime] = {}
    for status in generated.statuses:
        if status.status is StatusCode.COMPLETED:
            known = first_completion.get(status.delivery_id)
            first_completion[status.delivery_id] = (
                min(known, status.occurred_at) if known else status.occurred_at
            )
    sent_docs: dict[UUID, set[UUID]] = defaultdict(set)
    sent_axis: dict[UUID, set[UUID]] = defaultdict(set)
    sent_signed: dict[UUID, set[UUID]] = defaultdict(set)
    numbers: dict[UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in generated.created:
        if d.business_type is not BusinessType.NEW or vn_month(d.created_at) != month:
            continue
        signed = any(f.main for f in d.document.files)
        from_axis = d.sender_org_id in external
        if not from_axis:
            sent_docs[d.sender_org_id].add(d.document.document_id)
            if d.recipient_external:
                sent_axis[d.sender_org_id].add(d.document.document_id)
            if signed:
                sent_signed[d.sender_org_id].add(d.document.document_id)
        if d.recipient_external:
            continue
        row = numbers[d.recipient_org_id]
        row["received"] += 1
        row["received_axis"] += from_axis
        row["received_signed"] += signed and not from_axis  # no package from the axis: not signed
        done = first_completion.get(d.delivery_id)
        if done is None:
            row["still_open"] += 1
        elif d.document.due_date is None or done.astimezone(VIETNAM_TZ).date() <= d.document.due_date:
            row["completed_on_time"] += 1
        else:
            row["completed_late"] += 1
    result = {}
    for agency in set(numbers) | set(sent_docs):
        row = numbers[agency]
        keys = [
            "received",
            "received_axis",
            "received_signed",
            "completed_on_time",
            "completed_late",
            "still_open",
        ]
        entry = {key: row.get(key, 0) for key in keys}
        entry |= {
            "sent": len(sent_docs[agency]),
            "sent_axis": len(sent_axis[agency]),
            "sent_signed": len(sent_signed[agency]),
        }
        result[code_of[agency]] = entry
    return result


def numbers_of(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    keys = (
        "sent",
        "sent_axis",
        "sent_signed",
        "received",
        "received_axis",
        "received_signed",
        "completed_on_time",
        "completed_late",
        "still_open",
    )
    return {row["agency_code"]: {k: row[k] for k in keys} for row in body["agencies"]}


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_generated_month_gives_the_counts_computed_from_the_raw_events(dialect, tmp_path):
    generated = generate_month(seed=20261127)
    feed: list[Event] = [*generated.created, *generated.statuses]
    rng = random.Random(7)
    feed += rng.sample(feed, 25)  # some facts arrive twice, as other events
    rng.shuffle(feed)
    async with gateway(dialect, tmp_path, None, stats_publish_seconds=3600) as service:
        await publish(service.bus, [DISTRICT])
        envelopes = await publish(service.bus, feed)
        await eventually(lambda: all_handled(service, envelopes), within=60)
        assert await service.scalar(select(func.count()).select_from(dead_letter)) == 0

        admin = service.client_for(roles=["system_admin"])
        for month in ("2026-09", MONTH, "2026-11"):
            got = await admin.get("/api/v1/stats", params={"month": month})
            assert got.status_code == 200, got.text
            assert numbers_of(got.json()) == expected_stats(generated, month), month
        october = expected_stats(generated, MONTH)
        assert sum(row["completed_late"] for row in october.values()) > 0
        assert sum(row["still_open"] for row in october.values()) > 0
        assert sum(row["sent_axis"] for row in october.values()) > 0
        assert sum(row["received_axis"] for row in october.values()) > 0

        # the agency's own users see their own row; the CSV says the same in Vietnamese
        commune = service.client_for(COMMUNE.org_id, ["clerk"])
        own = (await commune.get("/api/v1/stats", params={"month": MONTH})).json()
        assert numbers_of(own) == {COMMUNE.code: october[COMMUNE.code]}
        assert own["agencies"][0]["agency_name"] == "UBND xã Gia Sinh"
        as_csv = await commune.get("/api/v1/stats", params={"month": MONTH, "format": "csv"})
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert as_csv.content.startswith(codecs.BOM_UTF8)
        header, row = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert header[:4] == ["Tháng", "Mã cơ quan", "Tên cơ quan", "Số văn bản đi điện tử"]
        assert row[:3] == [MONTH, COMMUNE.code, "UBND xã Gia Sinh"]
        expected = october[COMMUNE.code]
        assert [int(v) for v in row[3:9]] == [
            expected["sent"],
            expected["sent_axis"],
            expected["sent_signed"],
            expected["received"],
            expected["received_axis"],
            expected["received_signed"],
        ]
        assert [int(v) for v in row[10:]] == [
            expected["completed_on_time"],
            expected["completed_late"],
            expected["still_open"],
        ]
        by_code = await admin.get("/api/v1/stats", params={"month": MONTH, "agency": PROVINCE.code})
        assert numbers_of(by_code.json()) == {PROVINCE.code: october[PROVINCE.code]}


async def test_stats_are_for_the_agency_itself_or_a_system_admin_and_bad_input_is_a_problem(tmp_path):
    async with gateway("sqlite", tmp_path, None) as service:
        commune = service.client_for(COMMUNE.org_id, ["clerk"])
        other = await commune.get("/api/v1/stats", params={"month": MONTH, "agency": PROVINCE.code})
        assert other.status_code == 403
        assert other.json()["type"].endswith("/stats-other-agency")
        stranger = service.client_for(uuid4(), ["agency_admin"])
        by_id = await stranger.get("/api/v1/stats", params={"month": MONTH, "agency": str(COMMUNE.org_id)})
        assert by_id.status_code == 403
        admin = service.client_for(roles=["system_admin"])
        unknown = await admin.get("/api/v1/stats", params={"month": MONTH, "agency": "000.99.99.H42"})
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        for params in ({"month": "2026-13"}, {"month": "10/2026"}, {}, {"month": MONTH, "format": "xlsx"}):
            bad = await admin.get("/api/v1/stats", params=params)
            assert bad.status_code == 422, params
            assert bad.headers["content-type"] == "application/problem+json"
        empty = await commune.get("/api/v1/stats", params={"month": MONTH})
        assert numbers_of(empty.json()) == {
            COMMUNE.code: dict.fromkeys(
                (
                    "sent",
                    "sent_axis",
                    "sent_signed",
                    "received",
                    "received_axis",
                    "received_signed",
                    "completed_on_time",
                    "completed_late",
                    "still_open",
                ),
                0,
            )
        }
        assert (await service.client.get("/api/v1/stats", params={"month": MONTH})).status_code == 401


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_month_is_pushed_to_the_portal_once_and_again_when_it_changes(dialect, tmp_path):
    now = datetime.now(UTC)
    month = vn_month(now)
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox, stats_publish_seconds=0.05) as service,
        sandbox.admin() as admin,
    ):
        # a document received from the ministry through the axis, signed: routing's delivery for it
        document_id = await ministry_document(sandbox, service, admin)
        [inbound] = await packages(service, direction="in")
        delivery = DeliveryCreated(
            delivery_id=uuid4(),
            dispatch_id=uuid4(),
            sender_org_id=HOME_AFFAIRS.org_id,
            sender_org_code=HOME_AFFAIRS.code,
            recipient_org_id=COMMUNE.org_id,
            recipient_org_code=COMMUNE.code,
            recipient_external=False,
            document=summary(
                document_id=uuid4(),
                exchange_id=document_id,
                org_code=HOME_AFFAIRS.code,
                files=[],
                due_date=None,
            ),
            created_at=now,
        )
        envelopes = await publish(service.bus, [delivery])
        await eventually(lambda: all_handled(service, envelopes))

        def portal() -> dict[str, Any]:
            pushes = sandbox.state.store.portal_pushes
            return {"latest": dict(sandbox.state.store.portal_stats), "pushes": list(pushes)}

        key = (SYSTEM, COMMUNE.code, month)
        first = await eventually(lambda: portal()["latest"].get(key))
        pushed = first["stats"]
        assert (pushed["received"], pushed["received_axis"], pushed["received_signed"]) == (1, 1, 1)
        assert (pushed["still_open"], pushed["completed_on_time"]) == (1, 0)
        assert pushed["agency_name"] == "UBND xã Gia Sinh"
        api = await service.client_for(COMMUNE.org_id, ["clerk"]).get(
            "/api/v1/stats", params={"month": month}
        )
        assert numbers_of(api.json())[COMMUNE.code] == {
            k: pushed[k] for k in numbers_of(api.json())[COMMUNE.code]
        }
        listed = (await admin.get("/admin/portal/stats")).json()
        assert any(item["stats"]["agency_code"] == COMMUNE.code for item in listed["latest"])

        # several rounds later nothing was pushed again
        await asyncio.sleep(0.4)  # several publishing rounds
        commune_pushes = [p for p in portal()["pushes"] if p["stats"]["agency_code"] == COMMUNE.code]
        assert len(commune_pushes) == 1

        # the commune completes it: the month is pushed again with the new numbers
        done = status_event(delivery.delivery_id, StatusCode.COMPLETED, exchange_id=document_id, at=now)
        await publish(service.bus, [done])

        async def again():
            latest = portal()["latest"].get(key)
            return latest if latest and latest["stats"]["completed_on_time"] == 1 else None

        second = await eventually(again)
        assert second["stats"]["still_open"] == 0
        commune_pushes = [p for p in portal()["pushes"] if p["stats"]["agency_code"] == COMMUNE.code]
        assert len(commune_pushes) == 2
        assert commune_pushes[0]["idempotency_key"] != commune_pushes[1]["idempotency_key"]
        assert inbound.exchange_id == document_id
