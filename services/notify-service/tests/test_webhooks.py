"""Partner webhooks end to end: subscriptions over the API, routing's and docs' events into signed
deliveries, a real receiver (uvicorn) that is down, then failing, then up; the SSRF guard; rotation;
permanent refusals, pausing and resuming."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from notify_harness import Notify
from sqlalchemy import select, update
from webhook_harness import Receiver, signatures_valid

from kit_bus.testing import eventually, publish
from kit_contracts import DeliveryStatusChanged, DocumentIssued, DocumentSummary, StatusCode
from notify_service import models


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        await r.stop()


def status_changed(notify: Notify, sender: UUID, **values: Any) -> DeliveryStatusChanged:
    data: dict[str, Any] = {
        "delivery_id": uuid4(),
        "dispatch_id": uuid4(),
        "document_id": uuid4(),
        "exchange_id": "000.00.01.H42,2026/11/27,12/QĐ-UBND",
        "sender_org_id": sender,
        "recipient_org_id": uuid4(),
        "recipient_org_code": "000.00.02.H42",
        "status": StatusCode.ACCEPTED,
        "note": "Đã tiếp nhận văn bản",
        "occurred_at": notify.clock.now(),
    }
    return DeliveryStatusChanged(**(data | values))


def issued(notify: Notify, org: UUID) -> DocumentIssued:
    return DocumentIssued(
        document_id=uuid4(),
        org_id=org,
        occurred_at=notify.clock.now(),
        document=DocumentSummary(
            document_id=uuid4(),
            exchange_id="000.00.01.H42,2026/11/27,12/QĐ-UBND",
            org_id=org,
            org_code="000.00.01.H42",
            org_name="UBND tỉnh Ninh Bình",
            number="12",
            notation="QĐ-UBND",
            type_name="Quyết định",
            type_abbreviation="QĐ",
            subject="Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
            issued_on=date(2026, 11, 27),
        ),
    )


async def subscribe(notify: Notify, org: UUID, url: str, **values: Any) -> dict[str, Any]:
    body = {"url": url, "event_types": ["delivery.status_changed", "document.issued"], "org_id": str(org)}
    response = await notify.admin().post("/api/v1/webhooks", json=body | {"allow_private": True} | values)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliveries(notify: Notify, subscription_id: str) -> list[dict[str, Any]]:
    response = await notify.admin().get(f"/api/v1/webhooks/{subscription_id}/deliveries")
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_receiver_down_then_failing_then_up_gets_every_event_once_signed(
    notify: Notify, receiver: Receiver
) -> None:
    org = uuid4()
    sub = await subscribe(notify, org, receiver.url)
    assert sub["secret"].startswith("whsec_")
    assert sub["status"] == "active"
    shown = await notify.admin().get(f"/api/v1/webhooks/{sub['id']}")
    assert "secret" not in shown.json()  # shown once

    events = [
        status_changed(notify, org),
        status_changed(notify, org, status=StatusCode.COMPLETED),
        issued(notify, org),
    ]
    envelopes = await publish(notify.bus, events)
    await publish(notify.bus, [issued(notify, uuid4()), status_changed(notify, uuid4())])  # other agencies

    async def all_refused() -> list[dict[str, Any]] | None:  # nothing listens yet: connection refused
        rows = await deliveries(notify, sub["id"])
        done = len(rows) == 3 and all(r["status"] == "temporary-failure" and r["attempts"] >= 1 for r in rows)
        return rows if done else None

    rows = await eventually(all_refused, within=15)
    assert all(r["last_status_code"] is None and r["error"] for r in rows)

    receiver.status = 503  # up, but not ready
    await receiver.start()
    await notify.advance(timedelta(minutes=2))
    await eventually(lambda: len({r.id for r in receiver.requests}) == 3, within=15)
    assert not receiver.delivered()

    async def answered_503() -> bool:
        rows = await deliveries(notify, sub["id"])
        return all(r["status"] == "temporary-failure" and r["last_status_code"] == 503 for r in rows)

    await eventually(answered_503, within=15)

    receiver.status = 200
    await notify.advance(timedelta(hours=1))

    async def all_delivered() -> bool:
        return all(r["status"] == "delivered" for r in await deliveries(notify, sub["id"]))

    await eventually(all_delivered, within=15)
    got = receiver.delivered()
    assert len(got) == 3
    assert len({r.id for r in got}) == 3
    assert {r.id for r in got} == {r["id"] for r in await deliveries(notify, sub["id"])}  # webhook-id
    for r in got:
        assert signatures_valid(r, sub["secret"]), r.headers
        assert r.headers["content-type"] == "application/json"
        assert abs(int(r.headers["webhook-timestamp"]) - notify.clock.now().timestamp()) < 5
    by_type = sorted(r.json()["type"] for r in got)
    assert by_type == ["delivery.status_changed", "delivery.status_changed", "document.issued"]
    sent_ids = {r.json()["data"].get("delivery_id") or r.json()["data"]["document_id"] for r in got}
    assert sent_ids == {str(e.delivery_id) for e in events[:2] if isinstance(e, DeliveryStatusChanged)} | {
        str(events[2].document_id)
    }
    # Retries of one delivery carry the same id and the same body.
    for r in receiver.requests:
        twin = next(g for g in got if g.id == r.id)
        assert r.body == twin.body
    event_ids = {row[0] for row in await notify.running.rows(select(models.WebhookDelivery.event_id))}
    assert event_ids == {e.id for e in envelopes}


async def test_loopback_and_private_targets_are_refused_by_default(notify: Notify) -> None:
    org = uuid4()
    admin = notify.agency_admin(org)
    for url in (
        "https://127.0.0.1/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest",
        "https://localhost/x",
    ):
        response = await admin.post("/api/v1/webhooks", json={"url": url, "event_types": ["document.issued"]})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["type"].endswith("/webhook-target-refused")
    response = await admin.post(
        "/api/v1/webhooks", json={"url": "http://93.184.215.14/hooks", "event_types": ["document.issued"]}
    )
    assert response.status_code == 422
    assert "scheme" in response.json()["detail"]
    response = await admin.post(
        "/api/v1/webhooks",
        json={"url": "https://10.0.0.5/hooks", "event_types": ["document.issued"], "allow_private": True},
    )
    assert response.status_code == 403  # only a system administrator allows that
    response = await admin.post("/api/v1/webhooks", json={"url": "ftp://x", "event_types": ["nope"]})
    assert response.status_code == 422
    assert (await admin.get("/api/v1/webhooks")).json() == []


@pytest.mark.parametrize("overrides", [{"webhook_allow_http": True}])
async def test_the_guard_runs_again_at_send_time(notify: Notify, receiver: Receiver) -> None:
    org = uuid4()
    sub = await subscribe(notify, org, receiver.url)
    await receiver.start()
    # The flag withdrawn behind the API's back (as if the address had changed since): nothing is sent.
    await notify.execute(
        update(models.WebhookSubscription)
        .where(models.WebhookSubscription.id == UUID(sub["id"]))
        .values(allow_private=False)
    )
    await publish(notify.bus, [issued(notify, org)])

    async def refused() -> list[dict[str, Any]] | None:
        rows = await deliveries(notify, sub["id"])
        return rows if rows and rows[0]["status"] == "permanent-failure" else None

    rows = await eventually(refused, within=15)
    assert "target refused" in rows[0]["error"]
    assert "loopback" in rows[0]["error"]
    assert receiver.requests == []


@pytest.mark.parametrize("overrides", [{"webhook_pause_after_failures": 2}])
async def test_refusals_are_not_retried_and_a_failing_subscription_pauses_and_resumes(
    notify: Notify, receiver: Receiver
) -> None:
    org = uuid4()
    boss = await notify.user(roles={org: ["agency_admin"]})
    sub = await subscribe(notify, org, receiver.url, event_types=["document.issued"])
    receiver.status = 410
    await receiver.start()
    await publish(notify.bus, [issued(notify, org)])
    await publish(notify.bus, [issued(notify, org)])

    async def paused() -> dict[str, Any] | None:
        body = (await notify.admin().get(f"/api/v1/webhooks/{sub['id']}")).json()
        return body if body["status"] == "paused" else None

    body = await eventually(paused, within=15)
    assert body["consecutive_failures"] == 2
    assert "410" in body["paused_reason"]
    rows = await deliveries(notify, sub["id"])
    assert [r["status"] for r in rows] == ["permanent-failure"] * 2
    assert all(r["attempts"] == 1 for r in rows)  # a 4xx is not retried
    assert len(receiver.requests) == 2

    # The agency's administrators are told.
    told = await notify.admin().get("/api/v1/notifications", params={"kind": "webhook.paused"})
    assert [n["org_id"] for n in told.json()] == [str(org)]
    assert {d["user_id"] for d in told.json()[0]["deliveries"]} == {str(boss)}

    # While paused, events are kept, not sent.
    await publish(notify.bus, [issued(notify, org)])
    await eventually(lambda: _count(notify, sub["id"], 3), within=10)
    await notify.advance(timedelta(minutes=5))
    assert len(receiver.requests) == 2

    receiver.status = 200
    other = notify.agency_admin(uuid4())
    assert (await other.post(f"/api/v1/webhooks/{sub['id']}/resume")).status_code == 404
    resumed = await notify.agency_admin(org).post(f"/api/v1/webhooks/{sub['id']}/resume")
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active"
    await eventually(lambda: len(receiver.delivered()) == 1, within=15)
    assert signatures_valid(receiver.delivered()[0], sub["secret"])


async def _count(notify: Notify, subscription_id: str, n: int) -> bool:
    return len(await deliveries(notify, subscription_id)) == n


async def test_clients_with_the_scope_manage_their_agencys_subscriptions_and_rotate_secrets(
    notify: Notify, receiver: Receiver
) -> None:
    org = uuid4()
    sub = await subscribe(notify, org, receiver.url)  # a system administrator allowed the private target
    mint = notify.running.mint
    client = notify.running.client

    def as_client(scopes: list[str], agency: UUID = org) -> dict[str, str]:
        return mint.client_headers(agency, scopes, client_id="cli_doi_tac")

    response = await client.get("/api/v1/webhooks", headers=as_client(["documents.read"]))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/missing-scope")
    listed = await client.get("/api/v1/webhooks", headers=as_client(["webhooks.manage"]))
    assert [s["id"] for s in listed.json()] == [sub["id"]]
    elsewhere = await client.get(
        f"/api/v1/webhooks/{sub['id']}", headers=as_client(["webhooks.manage"], uuid4())
    )
    assert elsewhere.status_code == 404
    # A client cannot lift the guard, nor point a subscription at a private address.
    patched = await client.patch(
        f"/api/v1/webhooks/{sub['id']}", json={"allow_private": False}, headers=as_client(["webhooks.manage"])
    )
    assert patched.status_code == 403
    # A person with no admin role cannot either.
    clerk = notify.as_user(uuid4(), ["clerk"], agency=org)
    assert (await clerk.get("/api/v1/webhooks")).status_code == 403

    rotated = await client.post(
        f"/api/v1/webhooks/{sub['id']}/rotate-secret", headers=as_client(["webhooks.manage"])
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != sub["secret"]
    assert rotated.json()["previous_secret_expires_at"]

    await receiver.start()
    await publish(notify.bus, [issued(notify, org)])
    await eventually(lambda: len(receiver.delivered()) == 1, within=15)
    first = receiver.delivered()[0]
    assert len(first.headers["webhook-signature"].split(" ")) == 2  # both secrets during the overlap
    assert signatures_valid(first, sub["secret"])
    assert signatures_valid(first, new_secret)

    await notify.advance(timedelta(hours=25))  # the overlap is over: the new secret only
    await publish(notify.bus, [issued(notify, org)])
    await eventually(lambda: len(receiver.delivered()) == 2, within=15)
    second = receiver.delivered()[1]
    assert signatures_valid(second, new_secret)
    assert not signatures_valid(second, sub["secret"])

    gone = await client.delete(f"/api/v1/webhooks/{sub['id']}", headers=as_client(["webhooks.manage"]))
    assert gone.status_code == 204
    assert (await client.get("/api/v1/webhooks", headers=as_client(["webhooks.manage"]))).json() == []


async def test_a_partner_down_for_a_day_is_retried_for_24_hours_then_paused(
    notify: Notify, receiver: Receiver
) -> None:
    org = uuid4()
    sub = await subscribe(notify, org, receiver.url)  # nothing ever listens there
    await publish(notify.bus, [issued(notify, org)])
    attempts = 0
    for _ in range(40):
        rows = await deliveries(notify, sub["id"])
        if rows and rows[0]["status"] == "permanent-failure":
            break
        if rows and rows[0]["attempts"] > attempts and rows[0]["status"] == "temporary-failure":
            attempts = rows[0]["attempts"]
            await notify.advance(timedelta(hours=7))  # past any single step (at most 6 h + 10 %)
        await asyncio.sleep(0.05)
    [row] = await deliveries(notify, sub["id"])
    assert row["status"] == "permanent-failure", row
    first = datetime.fromisoformat(row["first_attempt_at"])
    done = datetime.fromisoformat(row["completed_at"])
    assert done - first >= timedelta(hours=24)
    assert row["attempts"] >= 4
    body = (await notify.admin().get(f"/api/v1/webhooks/{sub['id']}")).json()
    assert body["status"] == "paused"  # failing for the whole window: paused after one final failure
    assert body["consecutive_failures"] == 1
