from datetime import timedelta

from .tenant import ISSUED_ON, KIM_CHINH, KIM_SON, PHAT_DIEM, PROVINCE, SO_NOI_VU

XOM = "001.01.15.H42"  # a unit below the commune of Phát Diệm, for a third level


async def test_forward_down_the_tree_and_roll_up_three_levels(exchange):
    await exchange.add_org(XOM, "Tổ dân phố Phú Vinh", "commune", PHAT_DIEM)
    document_id = await exchange.issue(PROVINCE, due_date=(ISSUED_ON + timedelta(days=10)).isoformat())
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches",
        json={"document_id": str(document_id), "recipients": {"codes": [KIM_SON, SO_NOI_VU]}},
    )
    assert created.status_code == 201, created.text
    root = created.json()
    to = {d["recipient_code"]: d for d in root["deliveries"]}
    assert to[KIM_SON]["deadline"] == (ISSUED_ON + timedelta(days=10)).isoformat()

    kim_son = exchange.user(KIM_SON, "clerk")
    forward = f"/api/v1/deliveries/{to[KIM_SON]['id']}/forward"
    communes = {"recipients": {"subtrees": [KIM_SON]}}
    early = await kim_son.post(forward, json=communes)
    assert early.status_code == 409
    assert early.json()["type"].endswith("/not-forwardable")
    assert "no status 01" in early.json()["detail"]

    await exchange.answer("received", to[KIM_SON], settle_on="01")
    outside = await kim_son.post(forward, json={"recipients": {"codes": [PHAT_DIEM, SO_NOI_VU]}})
    assert outside.status_code == 422
    assert outside.json()["outside"] == [SO_NOI_VU]
    assert (await exchange.user(KIM_SON, "leader").post(forward, json=communes)).status_code == 403
    assert (await exchange.user(PROVINCE, "clerk").post(forward, json=communes)).status_code == 404

    child = await kim_son.post(
        forward, json={"recipients": {"codes": [PHAT_DIEM, KIM_CHINH]}}, headers={"Idempotency-Key": "fw-1"}
    )
    assert child.status_code == 201, child.text
    child = child.json()
    assert child["parent_delivery_id"] == to[KIM_SON]["id"]
    assert child["sender_code"] == KIM_SON
    assert child["document_id"] == str(document_id)
    again = await kim_son.post(
        forward, json={"recipients": {"codes": [PHAT_DIEM, KIM_CHINH]}}, headers={"Idempotency-Key": "fw-1"}
    )
    assert (again.status_code, again.json()["id"]) == (200, child["id"])
    down = {d["recipient_code"]: d for d in child["deliveries"]}

    await exchange.answer("received", down[PHAT_DIEM], settle_on="01")
    await exchange.answer("registered", down[PHAT_DIEM], settle_on="03")
    grandchild = await exchange.user(PHAT_DIEM).post(
        f"/api/v1/deliveries/{down[PHAT_DIEM]['id']}/forward", json={"recipients": {"codes": [XOM]}}
    )
    assert grandchild.status_code == 201, grandchild.text
    xom = grandchild.json()["deliveries"][0]

    await exchange.quiet()
    created_events = {e["recipient_org_code"]: e for e in exchange.events("created")}
    assert created_events[PHAT_DIEM]["parent_delivery_id"] == to[KIM_SON]["id"]
    assert created_events[PHAT_DIEM]["sender_org_code"] == KIM_SON
    assert created_events[XOM]["parent_delivery_id"] == down[PHAT_DIEM]["id"]
    assert created_events[KIM_SON]["parent_delivery_id"] is None

    await exchange.answer("received", xom, settle_on="01")
    await exchange.answer("registered", xom, settle_on="03")
    await exchange.answer("received", to[SO_NOI_VU], settle_on="01")
    await exchange.answer("returned", down[KIM_CHINH], settle_on="02")

    rollup = exchange.user(PROVINCE, "leader")
    response = await rollup.get(f"/api/v1/dispatches/{root['id']}/rollup")
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["total"] == 5
    assert seen["levels"] == 3
    assert seen["by_status"] == {"01": 2, "02": 1, "03": 2}
    assert seen["by_transport"] == {"sent": 5}
    assert seen["overdue"] == 0
    assert [(p["code"], p["status"], p["depth"]) for p in seen["not_accepted"]] == [
        (SO_NOI_VU, "01", 0),
        (KIM_SON, "01", 0),
        (KIM_CHINH, "02", 1),
    ]
    assert seen["not_accepted"][2]["forwarded_by"] == exchange.org(KIM_SON)["id"]

    exchange.clock.advance(timedelta(days=12))  # past the document's deadline
    later = (await rollup.get(f"/api/v1/dispatches/{root['id']}/rollup")).json()
    assert later["overdue"] == 4  # the refused one is not overdue
    overdue_inbox = await exchange.user(KIM_SON).get("/api/v1/inbox", params={"overdue": True})
    assert [d["id"] for d in overdue_inbox.json()] == [to[KIM_SON]["id"]]
    assert overdue_inbox.json()[0]["overdue"] is True

    # Kim Sơn sees the roll-up of its own forward, not the province's
    assert (await exchange.user(KIM_SON).get(f"/api/v1/dispatches/{root['id']}/rollup")).status_code == 404
    own = (await exchange.user(KIM_SON).get(f"/api/v1/dispatches/{child['id']}/rollup")).json()
    assert (own["total"], own["levels"]) == (3, 2)


async def test_a_refused_delivery_is_not_forwarded(exchange):
    document_id = await exchange.issue(PROVINCE)
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": [KIM_SON]}}
    )
    delivery = created.json()["deliveries"][0]
    await exchange.answer("returned", delivery, settle_on="02")
    refused = await exchange.user(KIM_SON).post(
        f"/api/v1/deliveries/{delivery['id']}/forward", json={"recipients": {"codes": [PHAT_DIEM]}}
    )
    assert refused.status_code == 409
    assert "refused" in refused.json()["detail"]
