from datetime import timedelta

from .tenant import ISSUED_ON, KIM_SON, PROVINCE, SO_NOI_VU


async def send(exchange, sender, recipient, **document):
    document_id = await exchange.issue(sender, **document)
    created = await exchange.user(sender).post(
        "/api/v1/dispatches", json={"document_id": str(document_id), "recipients": {"codes": [recipient]}}
    )
    assert created.status_code == 201, created.text
    return created.json()["deliveries"][0]


async def test_inbox_urgent_first_with_filters_and_counts(exchange):
    normal = await send(exchange, PROVINCE, KIM_SON, due_date=(ISSUED_ON + timedelta(days=1)).isoformat())
    flash = await send(exchange, PROVINCE, KIM_SON, urgency="hoa_toc")
    exchange.clock.advance(timedelta(days=1))
    urgent = await send(exchange, SO_NOI_VU, KIM_SON, urgency="khan")
    kim_son = exchange.user(KIM_SON, "specialist")

    async def ids(**params):
        response = await kim_son.get("/api/v1/inbox", params=params)
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()]

    assert await ids() == [flash["id"], urgent["id"], normal["id"]]
    assert await ids(urgency="khan") == [urgent["id"]]
    assert await ids(sender_org_id=exchange.org(SO_NOI_VU)["id"]) == [urgent["id"]]
    assert await ids(since=(ISSUED_ON + timedelta(days=1)).isoformat()) == [urgent["id"]]
    assert await ids(until=ISSUED_ON.isoformat()) == [flash["id"], normal["id"]]
    assert await ids(limit=1, offset=1) == [urgent["id"]]
    assert (await kim_son.get("/api/v1/inbox", params={"urgency": "very"})).status_code == 422

    counts = await kim_son.get("/api/v1/inbox/counts")
    assert counts.json() == {"total": 3, "new": 3, "urgent": 2, "overdue": 0}
    await exchange.answer("received", flash, settle_on="01")
    await exchange.answer("registered", urgent, settle_on="03")
    exchange.clock.advance(timedelta(days=1))  # the normal one's deadline has passed
    counts = await kim_son.get("/api/v1/inbox/counts")
    assert counts.json() == {"total": 3, "new": 2, "urgent": 1, "overdue": 1}
    assert (await exchange.user(PROVINCE).get("/api/v1/inbox/counts")).json()["total"] == 0
    assert (
        await kim_son.get("/api/v1/inbox/counts", params={"agency_id": exchange.org(PROVINCE)["id"]})
    ).status_code == 403
