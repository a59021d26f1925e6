"""Requesting services query their notifications by source: machine clients with notifications.read
(bound to their token's agency) and administrators."""

from uuid import UUID, uuid4

from notify_harness import Notify

from kit_bus.testing import publish
from kit_contracts import NotificationRequested


async def test_clients_and_admins_find_notifications_by_source(notify: Notify) -> None:
    org, elsewhere = uuid4(), uuid4()
    clerk = await notify.user(roles={org: ["clerk"]})
    mint, client = notify.running.mint, notify.running.client

    def as_client(*scopes: str, agency: UUID = org) -> dict[str, str]:
        return mint.client_headers(agency, list(scopes), client_id="cli_cong_dich_vu")

    base = {"kind": "document.recalled", "channels": ["in_app"], "org_id": str(org), "org_roles": ["clerk"]}
    data = {
        "sender_name": "Sở Nội vụ",
        "number": "12/QĐ",
        "subject": "Về việc thử",
        "reason": "Ban hành nhầm",
    }
    # A client with notifications.send creates one over REST: recorded as client:<its id>.
    made = await client.post(
        "/api/v1/notifications",
        json=base | {"data": data, "idempotency_key": "rest-1"},
        headers=as_client("notifications.send"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["source"] == "client:cli_cong_dich_vu"
    denied = await client.post(
        "/api/v1/notifications",
        json=base | {"data": data, "idempotency_key": "rest-2"},
        headers=as_client("notifications.read"),
    )
    assert denied.status_code == 403
    # docs-service asks through the bus: the envelope's source is recorded.
    for key, where in (("ev-1", org), ("ev-2", elsewhere)):
        await publish(
            notify.bus,
            [
                NotificationRequested(
                    request_id=uuid4(),
                    kind="document.recalled",
                    org_id=where,
                    user_ids=[clerk],
                    channels=["in_app"],
                    data=data,
                    idempotency_key=key,
                )
            ],
            source="docs-service",
        )
    await notify.notification("ev-2")
    await notify.notification("ev-1")

    async def keys(headers: dict[str, str], **params: str) -> list[str]:
        response = await client.get("/api/v1/notifications", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return sorted(n["idempotency_key"] for n in response.json())

    reader = as_client("notifications.read")
    assert await keys(reader, source="docs-service") == ["ev-1"]  # its agency's only
    assert await keys(reader, source="client:cli_cong_dich_vu") == ["rest-1"]
    assert await keys(reader) == ["ev-1", "rest-1"]
    assert await keys(as_client("notifications.read", agency=elsewhere), source="docs-service") == ["ev-2"]
    wrong = await client.get("/api/v1/notifications", headers=as_client("webhooks.manage"))
    assert wrong.status_code == 403
    admin = notify.admin()
    everything = await admin.get("/api/v1/notifications", params={"source": "docs-service"})
    assert sorted(n["idempotency_key"] for n in everything.json()) == ["ev-1", "ev-2"]
    one = await client.get(f"/api/v1/notifications/{made.json()['id']}", headers=reader)
    assert one.status_code == 200
    assert one.json()["source"] == "client:cli_cong_dich_vu"
