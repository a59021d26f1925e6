"""`serve --no-workers` (compose, k8s): the API process takes SMS receipts and finishes the delivery
through the database, with no sending worker in the process."""

from typing import Any
from uuid import UUID

import httpx
import pytest
from notify_harness import Notify
from pydantic import SecretStr
from sqlalchemy import update

from notify_service import models
from notify_service.sms import GenericHttpProvider, HealthPolicy, SmsRouter

SECRET = SecretStr("receipts-from-gateway")


@pytest.fixture
def run_workers() -> bool:
    return False


@pytest.fixture
async def sms_router() -> Any:
    async with httpx.AsyncClient() as http:
        yield SmsRouter(
            [
                GenericHttpProvider(
                    name="gateway",
                    http=http,
                    base_url="http://127.0.0.1:9/generic",  # never called: this process sends nothing
                    api_key=SecretStr("k"),
                    receipt_secret=SECRET,
                    timeout_seconds=1.0,
                )
            ],
            policy=HealthPolicy(),
        )


async def test_a_receipt_finishes_the_delivery_in_an_api_only_process(notify: Notify) -> None:
    assert notify.state.sender is None  # no worker here
    created = await notify.admin().post(
        "/api/v1/notifications",
        json={
            "kind": "auth.otp",
            "phone": "+84912345678",
            "channels": ["sms"],
            "critical": True,
            "data": {"code": "493817"},
            "idempotency_key": "otp-no-worker",
        },
    )
    assert created.status_code == 201, created.text
    [delivery] = created.json()["deliveries"]
    # What a worker in another process leaves behind once the gateway accepted the message.
    await notify.execute(
        update(models.Delivery)
        .where(models.Delivery.id == UUID(delivery["id"]))
        .values(status="sending", sent_at=notify.clock.now(), provider="gateway", attempts=1)
    )
    path = "/api/v1/notifications/sms/receipts/gateway"
    receipt = {"id": "gw-1", "reference": delivery["id"], "status": "delivered"}
    wrong = await notify.client.post(path, json=receipt, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    for _ in range(2):  # a repeated receipt changes nothing
        answer = await notify.client.post(
            path, json=receipt, headers={"Authorization": f"Bearer {SECRET.get_secret_value()}"}
        )
        assert answer.status_code == 200, answer.text
    shown = await notify.admin().get(f"/api/v1/notifications/{created.json()['id']}")
    [after] = shown.json()["deliveries"]
    assert after["status"] == "delivered"
    assert after["completed_at"] is not None
