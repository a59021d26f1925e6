from sqlalchemy import func, select

from routing_service import models

from .tenant import KIM_CHINH, KIM_SON, PHAT_DIEM, PROVINCE, SO_NOI_VU, SO_TAI_CHINH, VP_UBND, VPCP


async def count(exchange, model):
    return await exchange.running.scalar(select(func.count()).select_from(model))


async def test_one_delivery_per_distinct_recipient_routed_local_or_external(exchange):
    document_id = await exchange.issue(PROVINCE)
    clerk = exchange.user(PROVINCE, "clerk")
    group = await clerk.post(
        f"/api/v1/orgs/{exchange.org(PROVINCE)['id']}/groups",
        json={
            "name": "Văn phòng và Sở Nội vụ",
            "kind": "static",
            "members": [exchange.org(VP_UBND)["id"], exchange.org(SO_NOI_VU)["id"]],
        },
    )
    assert group.status_code == 201, group.text
    body = {
        "document_id": str(document_id),
        "recipients": {
            # the sender itself, a short-form code, a duplicate and an external agency
            "codes": [PROVINCE, SO_NOI_VU, "00.03.H42", SO_NOI_VU, VPCP],
            "group_ids": [group.json()["id"]],
            "subtrees": [KIM_SON],
        },
    }
    created = await clerk.post("/api/v1/dispatches", json=body, headers={"Idempotency-Key": "k-1"})
    assert created.status_code == 201, created.text
    dispatch = created.json()
    codes = [d["recipient_code"] for d in dispatch["deliveries"]]
    assert codes == [VPCP, VP_UBND, SO_NOI_VU, SO_TAI_CHINH, KIM_SON, PHAT_DIEM, KIM_CHINH]
    assert [d["recipient_code"] for d in dispatch["deliveries"] if d["external"]] == [VPCP]
    assert {d["transport"] for d in dispatch["deliveries"]} == {"pending"}
    assert {d["status"] for d in dispatch["deliveries"]} == {None}
    assert dispatch["sender_code"] == PROVINCE
    assert dispatch["document"]["subject"] == "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc"

    await exchange.quiet()
    announced = exchange.events("created")
    assert sorted(e["recipient_org_code"] for e in announced) == sorted(codes)
    by_code = {e["recipient_org_code"]: e for e in announced}
    assert by_code[VPCP]["recipient_external"] is True
    assert by_code[KIM_SON]["recipient_external"] is False
    assert by_code[KIM_SON]["business_type"] == "0"
    assert by_code[KIM_SON]["dispatch_id"] == dispatch["id"]
    assert by_code[KIM_SON]["parent_delivery_id"] is None
    assert by_code[KIM_SON]["sender_org_code"] == PROVINCE
    assert by_code[KIM_SON]["document"]["document_id"] == str(document_id)

    again = await clerk.post("/api/v1/dispatches", json=body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200, again.text
    assert again.json()["id"] == dispatch["id"]
    other = await clerk.post(
        "/api/v1/dispatches",
        json={**body, "recipients": {"codes": [KIM_SON]}},
        headers={"Idempotency-Key": "k-1"},
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await count(exchange, models.Dispatch) == 1
    assert await count(exchange, models.Delivery) == 7
    await exchange.quiet()
    assert len(exchange.events("created")) == 7

    listed = await exchange.user(PROVINCE, "specialist").get("/api/v1/dispatches")
    assert listed.status_code == 200
    assert [(d["id"], d["recipients"]) for d in listed.json()] == [(dispatch["id"], 7)]
    assert (await exchange.user(KIM_SON).get("/api/v1/dispatches")).json() == []
    read = await exchange.user(PROVINCE, "specialist").get(f"/api/v1/dispatches/{dispatch['id']}")
    assert read.status_code == 200
    assert read.json() == dispatch
    hidden = await exchange.user(KIM_SON).get(f"/api/v1/dispatches/{dispatch['id']}")
    assert hidden.status_code == 404
    assert hidden.json()["type"].endswith("/dispatch-not-found")


async def test_refusals_create_nothing(exchange):
    clerk = exchange.user(PROVINCE, "clerk")

    async def refused(status, problem, body, client=clerk):
        response = await client.post("/api/v1/dispatches", json=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        if problem:
            assert response.json()["type"].endswith(f"/{problem}"), response.json()
        return response.json()

    unknown_document = await refused(
        404,
        "document-not-issued",
        {"document_id": str(exchange.org(PROVINCE)["id"]), "recipients": {"codes": [KIM_SON]}},
    )
    assert "has not been issued" in unknown_document["detail"]

    secret = await exchange.issue(PROVINCE, confidentiality="mat")
    problem = await refused(
        409, "secret-document", {"document_id": str(secret), "recipients": {"codes": [KIM_SON]}}
    )
    assert "Mật" in problem["detail"]
    top_secret = await exchange.issue(PROVINCE, confidentiality="toi_mat")
    await refused(
        409, "secret-document", {"document_id": str(top_secret), "recipients": {"codes": [KIM_SON]}}
    )

    document_id = str(await exchange.issue(PROVINCE))
    unknown = await refused(
        422,
        "unknown-recipients",
        {
            "document_id": document_id,
            "recipients": {"codes": [KIM_SON, "000.00.99.H42", "nonsense"], "subtrees": ["000.00.98.H42"]},
        },
    )
    assert unknown["unknown"] == ["000.00.99.H42", "nonsense", "000.00.98.H42"]
    assert "000.00.99.H42" in unknown["detail"]
    foreign_group = await refused(
        422,
        "unknown-recipients",
        {"document_id": document_id, "recipients": {"group_ids": [str(exchange.org(KIM_SON)["id"])]}},
    )
    assert foreign_group["unknown_groups"] == [exchange.org(KIM_SON)["id"]]
    await exchange.admin.patch(f"/api/v1/orgs/{exchange.org(SO_TAI_CHINH)['id']}", json={"active": False})
    inactive = await refused(
        422, "unknown-recipients", {"document_id": document_id, "recipients": {"codes": [SO_TAI_CHINH]}}
    )
    assert inactive["inactive"] == [SO_TAI_CHINH]
    await refused(422, "no-recipients", {"document_id": document_id, "recipients": {"codes": [PROVINCE]}})
    await refused(422, None, {"document_id": document_id, "recipients": {}})
    await refused(
        403,
        "other-agency",
        {"document_id": document_id, "recipients": {"codes": [KIM_SON]}},
        exchange.user(KIM_SON),
    )
    await refused(
        403,
        "missing-role",
        {"document_id": document_id, "recipients": {"codes": [KIM_SON]}},
        exchange.user(PROVINCE, "leader"),
    )
    assert await count(exchange, models.Dispatch) == 0
    assert await count(exchange, models.Delivery) == 0
    await exchange.quiet()
    assert exchange.events("created") == []


async def dispatch_to(exchange, sender, *codes):
    document_id = await exchange.issue(sender)
    response = await exchange.user(sender, "clerk").post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": list(codes)}}
    )
    assert response.status_code == 201, response.text
    return response.json(), {d["recipient_code"]: d for d in response.json()["deliveries"]}


async def test_status_trail_moves_forward_only_and_travels_back(exchange):
    dispatch, to = await dispatch_to(exchange, PROVINCE, KIM_SON, SO_NOI_VU, SO_TAI_CHINH)

    await exchange.answer("received", to[KIM_SON], settle_on="01")
    await exchange.answer("registered", to[KIM_SON], settle_on="03", arrival_number=15)
    await exchange.answer("received", to[KIM_SON], settle_on="")  # late: 01 after 03 changes nothing
    assert await exchange.statuses(to[KIM_SON]["id"]) == ["01", "03"]

    await exchange.answer("received", to[SO_NOI_VU], settle_on="01")
    await exchange.answer("returned", to[SO_NOI_VU], settle_on="02", reason="Không đúng thẩm quyền")
    await exchange.answer("registered", to[SO_NOI_VU], settle_on="")  # nothing follows a refusal
    assert await exchange.statuses(to[SO_NOI_VU]["id"]) == ["01", "02"]

    # an answer from an agency that is not the recipient is ignored
    await exchange.answer(
        "received", {**to[SO_TAI_CHINH], "recipient_org_id": exchange.org(KIM_SON)["id"]}, settle_on=""
    )
    assert await exchange.statuses(to[SO_TAI_CHINH]["id"]) == []

    await exchange.quiet()
    changed = exchange.events("status-changed")
    assert [(e["recipient_org_code"], e["status"]) for e in changed] == [
        (KIM_SON, "01"),
        (KIM_SON, "03"),
        (SO_NOI_VU, "01"),
        (SO_NOI_VU, "02"),
    ]
    assert changed[3]["note"] == "Không đúng thẩm quyền"
    assert changed[1]["note"] == "Số đến 15"
    assert {e["dispatch_id"] for e in changed} == {dispatch["id"]}
    assert {e["sender_org_id"] for e in changed} == {exchange.org(PROVINCE)["id"]}

    seen = (await exchange.user(PROVINCE, "specialist").get(f"/api/v1/dispatches/{dispatch['id']}")).json()
    now = {d["recipient_code"]: d for d in seen["deliveries"]}
    assert (now[KIM_SON]["status"], now[KIM_SON]["status_name"], now[KIM_SON]["transport"]) == (
        "03",
        "Đã tiếp nhận",
        "sent",
    )
    assert [t["code"] for t in now[KIM_SON]["trail"]] == ["01", "03"]
    assert now[SO_NOI_VU]["trail"][-1] == {
        "code": "02",
        "name": "Từ chối tiếp nhận",
        "note": "Không đúng thẩm quyền",
        "actor_id": None,
        "actor_name": None,
        "occurred_at": now[SO_NOI_VU]["trail"][-1]["occurred_at"],
    }
    assert (now[SO_TAI_CHINH]["status"], now[SO_TAI_CHINH]["transport"]) == (None, "pending")

    # the recipient reads its inbox and the delivery; a third agency sees nothing
    kim_son = exchange.user(KIM_SON, "specialist")
    inbox = await kim_son.get("/api/v1/inbox")
    assert inbox.status_code == 200
    assert inbox.headers["x-total-count"] == "1"
    assert [(d["id"], d["sender_code"], d["status"]) for d in inbox.json()] == [
        (to[KIM_SON]["id"], PROVINCE, "03")
    ]
    assert (await kim_son.get("/api/v1/inbox", params={"status": "01"})).json() == []
    assert len((await kim_son.get("/api/v1/inbox", params={"status": "03"})).json()) == 1
    tai_chinh = exchange.user(SO_TAI_CHINH, "clerk")
    assert [d["id"] for d in (await tai_chinh.get("/api/v1/inbox", params={"no_status": True})).json()] == [
        to[SO_TAI_CHINH]["id"]
    ]
    own = await kim_son.get(f"/api/v1/deliveries/{to[KIM_SON]['id']}")
    assert own.status_code == 200
    assert own.json()["document"]["notation"] == "QĐ-UBND"
    assert own.json() == (await exchange.user(PROVINCE).get(f"/api/v1/deliveries/{to[KIM_SON]['id']}")).json()
    hidden = await tai_chinh.get(f"/api/v1/deliveries/{to[KIM_SON]['id']}")
    assert hidden.status_code == 404
    assert hidden.json()["type"].endswith("/delivery-not-found")
    assert (
        await exchange.user(KIM_SON).get("/api/v1/inbox", params={"agency_id": exchange.org(SO_NOI_VU)["id"]})
    ).status_code == 403
