from uuid import UUID

from kit_contracts import DocumentRecalled

from .tenant import KIM_SON, PHAT_DIEM, PROVINCE, SO_NOI_VU


async def test_recall_reaches_every_recipient_who_answers_once(exchange):
    document_id = await exchange.issue(PROVINCE)
    created = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches",
        json={"document_id": str(document_id), "recipients": {"codes": [KIM_SON, SO_NOI_VU]}},
    )
    dispatch = created.json()
    to = {d["recipient_code"]: d for d in dispatch["deliveries"]}
    await exchange.answer("received", to[KIM_SON], settle_on="01")
    forwarded = await exchange.user(KIM_SON).post(
        f"/api/v1/deliveries/{to[KIM_SON]['id']}/forward", json={"recipients": {"codes": [PHAT_DIEM]}}
    )
    assert forwarded.status_code == 201, forwarded.text

    reason = "Văn bản ban hành sai thẩm quyền"
    await exchange.publish(
        DocumentRecalled(
            document_id=document_id,
            org_id=UUID(exchange.org(PROVINCE)["id"]),
            occurred_at=exchange.clock.now(),
            exchange_id=dispatch["exchange_id"],
            reason=reason,
        )
    )
    await exchange.quiet()
    revokes = [e for e in exchange.events("created") if e["business_type"] == "1"]
    assert sorted(e["recipient_org_code"] for e in revokes) == sorted([KIM_SON, SO_NOI_VU, PHAT_DIEM])
    assert {e["note"] for e in revokes} == {reason}
    by_code = {e["recipient_org_code"]: e for e in revokes}
    assert by_code[PHAT_DIEM]["sender_org_code"] == KIM_SON
    assert by_code[KIM_SON]["dispatch_id"] == dispatch["id"]

    again = await exchange.user(PROVINCE).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": [KIM_SON]}}
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/document-recalled")

    kim_son = exchange.user(KIM_SON, "clerk")
    revoke_id = by_code[KIM_SON]["delivery_id"]
    not_recall = await kim_son.post(
        f"/api/v1/deliveries/{to[KIM_SON]['id']}/recall-answer", json={"accept": True}
    )
    assert not_recall.status_code == 409
    assert not_recall.json()["type"].endswith("/not-a-recall")
    assert (
        await exchange.user(KIM_SON, "leader").post(
            f"/api/v1/deliveries/{revoke_id}/recall-answer", json={"accept": True}
        )
    ).status_code == 403
    accepted = await kim_son.post(f"/api/v1/deliveries/{revoke_id}/recall-answer", json={"accept": True})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["status_name"]) == ("15", "Đồng ý thu hồi")
    assert accepted.json()["revokes_delivery_id"] == to[KIM_SON]["id"]
    assert accepted.json()["note"] == reason
    twice = await kim_son.post(f"/api/v1/deliveries/{revoke_id}/recall-answer", json={"accept": False})
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/illegal-status-transition")
    refused = await exchange.user(SO_NOI_VU).post(
        f"/api/v1/deliveries/{by_code[SO_NOI_VU]['delivery_id']}/recall-answer",
        json={"accept": False, "note": "Đã triển khai thực hiện"},
    )
    assert refused.json()["status"] == "16"

    await exchange.quiet()
    answers = [
        (e["recipient_org_code"], e["status"])
        for e in exchange.events("status-changed")
        if e["status"] in ("15", "16")
    ]
    assert answers == [(KIM_SON, "15"), (SO_NOI_VU, "16")]
    rollup = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{dispatch['id']}/rollup")).json()
    assert rollup["total"] == 3  # the document's deliveries, not the recalls
    seen = (await exchange.user(PROVINCE).get(f"/api/v1/dispatches/{dispatch['id']}")).json()
    assert sorted((d["recipient_code"], d["business_type"]) for d in seen["deliveries"]) == [
        (SO_NOI_VU, "0"),
        (SO_NOI_VU, "1"),
        (KIM_SON, "0"),
        (KIM_SON, "1"),
    ]
