import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from routing_service.assignment.service import nth_working_day_after, nth_working_day_back

from .tenant import HOLIDAY, ISSUED_ON, KIM_SON, PROVINCE, SO_NOI_VU


async def registered_deliveries(exchange, *codes):
    document_id = await exchange.issue(PROVINCE, urgency="hoa_toc")
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": list(codes)}}
    )
    assert created.status_code == 201, created.text
    to = {d["recipient_code"]: d for d in created.json()["deliveries"]}
    return created.json(), to


async def test_assign_process_complete(exchange):
    dispatch, to = await registered_deliveries(exchange, KIM_SON, SO_NOI_VU)
    delivery = to[KIM_SON]
    lead_id, informed_id, chief_id = uuid4(), uuid4(), uuid4()
    chief = exchange.user(KIM_SON, "leader", user_id=chief_id, name="Phạm Văn Chính")
    lead = exchange.user(KIM_SON, "specialist", user_id=lead_id, name="Trần Thị Bình")
    bystander = exchange.user(KIM_SON, "specialist")
    body = {
        "direction": "Giao Phòng Văn hóa chủ trì, phối hợp Phòng Nội vụ tham mưu, báo cáo trước ngày 02/12.",
        "lead": {"kind": "user", "id": str(lead_id), "name": "Trần Thị Bình"},
        "co_handlers": [{"kind": "unit", "id": str(uuid4()), "name": "Phòng Nội vụ"}],
        "for_information": [{"kind": "user", "id": str(informed_id), "name": "Lê Văn Cường"}],
        "deadline": (ISSUED_ON + timedelta(days=5)).isoformat(),
    }
    assign = f"/api/v1/deliveries/{delivery['id']}/assignment"

    early = await chief.post(assign, json=body)
    assert early.status_code == 409
    assert early.json()["type"].endswith("/not-assignable")
    assert "registers it (03)" in early.json()["detail"]
    await exchange.answer("received", delivery, settle_on="01")
    await exchange.answer("registered", delivery, settle_on="03")

    assert (await exchange.user(KIM_SON, "clerk").post(assign, json=body)).status_code == 403
    assert (await exchange.user(PROVINCE, "leader").post(assign, json=body)).status_code == 404
    twice = {**body, "co_handlers": [body["lead"]]}
    assert (await chief.post(assign, json=twice)).status_code == 422

    created = await chief.post(assign, json=body)
    assert created.status_code == 201, created.text
    assignment = created.json()
    assert assignment["state"] == "assigned"
    assert assignment["lead"] == body["lead"]
    assert assignment["co_handlers"] == body["co_handlers"]
    assert assignment["assigned_by_name"] == "Phạm Văn Chính"
    assert assignment["document"]["urgency"] == "hoa_toc"
    assert (await chief.post(assign, json=body)).json()["type"].endswith("/already-assigned")

    steps = f"/api/v1/assignments/{assignment['id']}"
    skipped = await lead.post(f"{steps}/complete", json={})
    assert skipped.status_code == 409
    assert skipped.json()["type"].endswith("/illegal-assignment-step")
    assert skipped.json()["state"] == "assigned"
    other = await bystander.post(f"{steps}/processing", json={})
    assert other.status_code == 403
    assert other.json()["type"].endswith("/not-the-lead")
    started = await lead.post(f"{steps}/processing", json={"note": "Đang lấy ý kiến các phòng"})
    assert (started.status_code, started.json()["state"]) == (200, "processing")
    done = await lead.post(f"{steps}/complete", json={"note": "Đã báo cáo UBND tỉnh"})
    assert done.status_code == 200
    assert done.json()["state"] == "completed"
    assert done.json()["completed_at"] is not None
    assert (await lead.post(f"{steps}/complete", json={})).status_code == 409

    mine = await lead.get("/api/v1/assignments")
    assert [a["id"] for a in mine.json()] == [assignment["id"]]
    assert [a["id"] for a in (await chief.get("/api/v1/assignments")).json()] == [assignment["id"]]
    assert (await bystander.get("/api/v1/assignments")).json() == []
    assert (await bystander.get(steps)).status_code == 200
    assert (await exchange.user(PROVINCE).get(steps)).status_code == 404

    await exchange.quiet()
    trail = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{dispatch['id']}")).json()
    kim_son = next(d for d in trail["deliveries"] if d["recipient_code"] == KIM_SON)
    assert [(t["code"], t["name"]) for t in kim_son["trail"]] == [
        ("01", "Đã đến"),
        ("03", "Đã tiếp nhận"),
        ("04", "Phân công"),
        ("05", "Đang xử lý"),
        ("06", "Hoàn thành"),
    ]
    assert kim_son["trail"][2]["actor_name"] == "Phạm Văn Chính"
    assert kim_son["trail"][4]["note"] == "Đã báo cáo UBND tỉnh"
    assert kim_son["deadline"] == body["deadline"]
    changed = [e["status"] for e in exchange.events("status-changed") if e["recipient_org_code"] == KIM_SON]
    assert changed == ["01", "03", "04", "05", "06"]
    notified = exchange.events("notify.request.created.v1")
    assert len(notified) == 1
    assert notified[0]["kind"] == "assignment.created"
    assert sorted(notified[0]["user_ids"]) == sorted([str(lead_id), str(informed_id)])
    assert notified[0]["critical"] is True  # Hỏa tốc
    assert notified[0]["org_id"] == exchange.org(KIM_SON)["id"]


async def test_overdue_assignments_with_a_controlled_clock(exchange):
    dispatch, to = await registered_deliveries(exchange, SO_NOI_VU)
    delivery = to[SO_NOI_VU]
    await exchange.answer("registered", delivery, settle_on="03")
    lead_id = uuid4()
    created = await exchange.user(SO_NOI_VU, "leader").post(
        f"/api/v1/deliveries/{delivery['id']}/assignment",
        json={
            "direction": "Phòng Tổ chức xử lý",
            "lead": {"kind": "user", "id": str(lead_id), "name": "Đỗ Thị Hoa"},
            "deadline": (ISSUED_ON + timedelta(days=3)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    lead = exchange.user(SO_NOI_VU, "specialist", user_id=lead_id)
    assert (await lead.get("/api/v1/assignments", params={"overdue": True})).json() == []

    exchange.clock.advance(timedelta(days=3))  # the deadline day itself is not late yet
    assert (await lead.get("/api/v1/assignments", params={"overdue": True})).json() == []
    exchange.clock.advance(timedelta(days=1))
    late = (await lead.get("/api/v1/assignments", params={"overdue": True})).json()
    assert [(a["id"], a["overdue"]) for a in late] == [(created.json()["id"], True)]
    inbox = (await exchange.user(SO_NOI_VU).get("/api/v1/inbox", params={"overdue": True})).json()
    assert [d["id"] for d in inbox] == [delivery["id"]]
    rollup = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{dispatch['id']}/rollup")).json()
    assert rollup["overdue"] == 1

    steps = f"/api/v1/assignments/{created.json()['id']}"
    await lead.post(f"{steps}/processing", json={})
    await lead.post(f"{steps}/complete", json={})
    assert (await lead.get("/api/v1/assignments", params={"overdue": True})).json() == []
    assert (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{dispatch['id']}/rollup")).json()[
        "overdue"
    ] == 0


def test_working_days_skip_weekends_and_holidays():
    friday = ISSUED_ON
    assert nth_working_day_after(friday, 1, []) == date(2026, 11, 30)
    assert nth_working_day_after(friday, 2, []) == date(2026, 12, 1)
    assert nth_working_day_after(date(2026, 12, 2), 1, [HOLIDAY]) == date(2026, 12, 4)
    assert nth_working_day_back(friday, 1, []) == friday
    assert nth_working_day_back(date(2026, 11, 29), 1, []) == friday  # a Sunday
    assert nth_working_day_back(date(2026, 12, 7), 3, [HOLIDAY]) == date(2026, 12, 2)


async def test_reminder_then_overdue_then_escalation_in_working_days(exchange):
    _, to = await registered_deliveries(exchange, KIM_SON)
    await exchange.answer("registered", to[KIM_SON], settle_on="03")
    lead_id, chief_id = uuid4(), uuid4()
    created = await exchange.user(KIM_SON, "leader", user_id=chief_id).post(
        f"/api/v1/deliveries/{to[KIM_SON]['id']}/assignment",
        json={
            "direction": "Phòng Tư pháp tham mưu văn bản trả lời",
            "lead": {"kind": "user", "id": str(lead_id), "name": "Vũ Văn Dũng"},
            "deadline": "2026-12-01",  # a Tuesday
        },
    )
    assert created.status_code == 201, created.text

    async def notices():
        await asyncio.sleep(0.3)  # several sweeps
        await exchange.quiet()
        return [
            (n["kind"], n["user_ids"], n["org_roles"]) for n in exchange.events("notify.request.created.v1")
        ]

    lead, chief = [str(lead_id)], [str(chief_id)]
    assert await notices() == [("assignment.created", lead, [])]  # Friday: two working days left
    exchange.clock.at = datetime(2026, 11, 30, 3, tzinfo=UTC)  # Monday: one working day left
    assert (await notices())[1:] == [("assignment.due_soon", lead, [])]
    exchange.clock.at = datetime(2026, 12, 1, 16, tzinfo=UTC)  # Tuesday 23:00 in Hà Nội: still in time
    assert len(await notices()) == 2
    exchange.clock.at = datetime(2026, 12, 1, 17, tzinfo=UTC)  # Wednesday 00:00 in Hà Nội: overdue
    assert (await notices())[2:] == [("assignment.overdue", lead, [])]
    exchange.clock.at = datetime(2026, 12, 4, 3, tzinfo=UTC)  # Friday: two working days late (Thursday off)
    assert len(await notices()) == 3
    exchange.clock.at = datetime(2026, 12, 7, 3, tzinfo=UTC)  # Monday: three: the leaders are told
    assert (await notices())[3:] == [("assignment.escalated", chief, ["leader"])]
    exchange.clock.at = datetime(2026, 12, 14, 3, tzinfo=UTC)
    assert len(await notices()) == 4  # each notice once


async def test_extension_and_reassignment(exchange):
    _, to = await registered_deliveries(exchange, KIM_SON)
    delivery = to[KIM_SON]
    await exchange.answer("registered", delivery, settle_on="03")
    first_id, second_id, chief_id = uuid4(), uuid4(), uuid4()
    chief = exchange.user(KIM_SON, "leader", user_id=chief_id)
    first = exchange.user(KIM_SON, "specialist", user_id=first_id)
    second = exchange.user(KIM_SON, "specialist", user_id=second_id)
    created = await chief.post(
        f"/api/v1/deliveries/{delivery['id']}/assignment",
        json={
            "direction": "Phòng Kinh tế tham mưu",
            "lead": {"kind": "user", "id": str(first_id), "name": "Hoàng Văn Em"},
            "deadline": "2026-12-02",
        },
    )
    steps = f"/api/v1/assignments/{created.json()['id']}"

    earlier = await first.post(
        f"{steps}/extension", json={"deadline": "2026-12-01", "reason": "Cần thêm thời gian"}
    )
    assert earlier.status_code == 409
    assert earlier.json()["type"].endswith("/extension-conflict")
    assert (
        await second.post(f"{steps}/extension", json={"deadline": "2026-12-09", "reason": "x"})
    ).status_code == 403
    asked = await first.post(
        f"{steps}/extension", json={"deadline": "2026-12-09", "reason": "Chờ ý kiến của Sở Tài chính"}
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["pending_extension"] == {
        "deadline": "2026-12-09",
        "reason": "Chờ ý kiến của Sở Tài chính",
        "requested_by": str(first_id),
    }
    assert (
        await first.post(f"{steps}/extension", json={"deadline": "2026-12-10", "reason": "x"})
    ).status_code == 409
    assert (await first.post(f"{steps}/extension/decision", json={"approve": True})).status_code == 403
    approved = await chief.post(f"{steps}/extension/decision", json={"approve": True})
    assert approved.status_code == 200
    assert (approved.json()["deadline"], approved.json()["pending_extension"]) == ("2026-12-09", None)
    moved = await exchange.user(PROVINCE).get(f"/api/v1/deliveries/{delivery['id']}")
    assert moved.json()["deadline"] == "2026-12-09"  # the sender sees the new deadline
    assert (await chief.post(f"{steps}/extension/decision", json={"approve": False})).status_code == 409

    body = {
        "lead": {"kind": "user", "id": str(second_id), "name": "Ngô Thị Giang"},
        "for_information": [{"kind": "user", "id": str(first_id), "name": "Hoàng Văn Em"}],
    }
    assert (await exchange.user(KIM_SON, "clerk").post(f"{steps}/reassign", json=body)).status_code == 403
    reassigned = await chief.post(f"{steps}/reassign", json=body)
    assert reassigned.status_code == 200, reassigned.text
    assert reassigned.json()["lead"]["id"] == str(second_id)
    assert reassigned.json()["state"] == "assigned"
    assert reassigned.json()["deadline"] == "2026-12-09"
    assert (await first.post(f"{steps}/processing", json={})).status_code == 403
    assert (await second.post(f"{steps}/processing", json={})).status_code == 200
    assert (await second.post(f"{steps}/complete", json={})).status_code == 200
    assert (await chief.post(f"{steps}/reassign", json=body)).status_code == 409
    assert (
        await second.post(f"{steps}/extension", json={"deadline": "2026-12-30", "reason": "x"})
    ).status_code == 409

    await exchange.quiet()
    told = [(n["kind"], n["user_ids"]) for n in exchange.events("notify.request.created.v1")]
    assert told == [
        ("assignment.created", [str(first_id)]),
        ("assignment.extension_requested", [str(chief_id)]),
        ("assignment.extension_approved", [str(first_id)]),
        ("assignment.reassigned", [str(second_id)]),  # the first was named before
    ]
