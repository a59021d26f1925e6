"""SMS deliveries through the SMS package's router, against its provider simulator over real HTTP,
with delivery receipts posted back to the receipts endpoint and updating the delivery."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from kit_bus.testing import eventually
from kit_core import install_error_handlers
from notify_service.sms import GenericHttpProvider, HealthPolicy, SmsRouter, receipts_router
from notify_service.sms.simulator import Behaviour, SimulatorConfig, create_simulator

API_KEY = SecretStr("generic-api-key")
RECEIPTS_SECRET = SecretStr("receipts-from-sim")
ADMIN = {"Authorization": "Bearer sim-admin"}


def reserve() -> tuple[socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def served(app: Any, sock: socket.socket) -> AsyncIterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_config=None, log_level="warning", http="h11", ws="none")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.005)
        yield
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


@pytest.fixture
async def simulator() -> AsyncIterator[dict[str, Any]]:
    """The simulator (generic protocol) and the receipts endpoint it posts to, each on its own port;
    the receipts endpoint runs over the same router the notify app sends through."""
    sim_sock, sim_url = reserve()
    receipts_sock, receipts_url = reserve()
    sim = create_simulator(
        SimulatorConfig(
            api_key=API_KEY,
            generic_callback_url=f"{receipts_url}/api/v1/notifications/sms/receipts/sim",
            receipt_token=RECEIPTS_SECRET,
            admin_token=SecretStr("sim-admin"),
            behaviour=Behaviour(receipt_delay_ms=20),
        )
    )
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient())
        router = SmsRouter(
            [
                GenericHttpProvider(
                    name="sim",
                    http=http,
                    base_url=f"{sim_url}/generic",
                    api_key=API_KEY,
                    receipt_secret=RECEIPTS_SECRET,
                    timeout_seconds=2.0,
                )
            ],
            policy=HealthPolicy(
                window_seconds=60,
                max_errors=3,
                max_error_ratio=1.0,
                min_samples=3,
                slow_p90_ms=1000,
                cooldown_seconds=30,
                probe_interval_seconds=5,
                recovery_probes=2,
            ),
        )
        receipts = FastAPI()
        install_error_handlers(receipts)
        receipts.include_router(receipts_router(router))
        await stack.enter_async_context(served(sim, sim_sock))
        await stack.enter_async_context(served(receipts, receipts_sock))
        yield {"router": router, "url": sim_url, "http": http}


@pytest.fixture
def sms_router(simulator):
    return simulator["router"]


async def test_an_otp_sms_goes_out_and_its_receipt_marks_it_delivered(notify, simulator):
    user = await notify.user(phone="+84912345678")
    await notify.request(
        user_ids=[user],
        kind="auth.otp",
        channels=None,  # the kind's default: SMS
        critical=True,
        data={"code": "493817"},
        idempotency_key="otp-sms",
    )
    settled = await notify.settled("otp-sms")
    [delivery] = settled["deliveries"]
    assert (delivery["channel"], delivery["status"], delivery["provider"]) == ("sms", "delivered", "sim")
    assert delivery["address"] == "+84912345678"
    assert delivery["provider_message_id"]
    [attempt] = delivery["attempt_log"]
    assert attempt["outcome"] == "sent"  # accepted; the receipt said delivered

    metrics = (await notify.client.get("/metrics")).text
    assert 'notify_deliveries_total{channel="sms",outcome="sent",provider="sim"} 1.0' in metrics
    assert 'notify_deliveries_total{channel="sms",outcome="delivered",provider="sim"} 1.0' in metrics
    assert 'sms_provider_state{provider="sim",service="notify-service",state="healthy"}' in metrics

    messages = (await simulator["http"].get(f"{simulator['url']}/messages", headers=ADMIN)).json()
    assert len(messages) == 1  # the request event arrived twice; one SMS
    text = str(messages[0])
    assert "493817" in text


async def test_a_failed_receipt_is_a_permanent_failure(notify, simulator):
    response = await simulator["http"].put(
        f"{simulator['url']}/admin/behaviour", json={"receipt_status": "failed"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    user = await notify.user(phone="+84987654321")
    data = {"sender_name": "Sở Nội vụ", "number": "1/SNV", "subject": "Hỏa tốc"}
    await notify.request(
        user_ids=[user],
        kind="document.arrived",
        channels=["sms"],
        critical=True,
        data=data,
        idempotency_key="hoa-toc-sms",
    )
    [delivery] = (await notify.settled("hoa-toc-sms"))["deliveries"]
    assert delivery["status"] == "permanent-failure"
    assert delivery["sent_at"] is not None
    assert delivery["error"]


async def test_an_sms_never_confirmed_fails_after_the_receipt_timeout(notify, simulator):
    response = await simulator["http"].put(
        f"{simulator['url']}/admin/behaviour", json={"receipt_delay_ms": 600_000}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    notify.settings.receipt_timeout_seconds = 3600
    user = await notify.user(phone="+84911111111")
    await notify.request(
        user_ids=[user],
        kind="auth.otp",
        channels=["sms"],
        critical=True,
        data={"code": "1234"},
        idempotency_key="silent",
    )
    waiting = await notify.notification("silent")

    async def accepted():
        body = (await notify.admin().get(f"/api/v1/notifications/{waiting['id']}")).json()
        return body["deliveries"][0]["sent_at"] is not None

    await eventually(accepted)
    await notify.advance(timedelta(seconds=3599))
    await notify.state.sender.sweep()
    assert (await notify.notification("silent"))["deliveries"][0]["status"] == "sending"
    await notify.advance(timedelta(seconds=2))
    await notify.state.sender.sweep()
    [delivery] = (await notify.settled("silent"))["deliveries"]
    assert delivery["status"] == "permanent-failure"
    assert "no delivery receipt" in delivery["error"]
    assert delivery["attempts"] == 1  # not sent again
