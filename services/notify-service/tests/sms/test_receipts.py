"""Delivery receipts: the simulators post them over HTTP to the receipts endpoint, which
authenticates each provider and hands them to the router's callbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sms_harness import RECEIPT_SECRET_A, RECEIPT_SECRET_B, RECEIPTS, world

from kit_bus.testing import routes_open_without_token
from kit_core import Role, install_error_handlers, new_id
from kit_core.auth import VERIFIER_STATE
from kit_core.testing import TokenMint
from notify_service.sms import health_router, receipts_router

TEXT = "Thông báo: văn bản đến mới từ Sở Nội vụ tỉnh Ninh Bình"
TO = "+84987654321"


async def test_receipts_from_both_protocols_reach_the_callback():
    async with world() as w:
        await w.behave(w.sim_a, mode="fail")
        via_b = await w.router.send(to=TO, text=TEXT, reference="via-b")
        await w.behave(w.sim_a, mode="ok")
        via_a = await w.router.send(to=TO, text=TEXT, reference="via-a")
        assert (via_a.provider, via_b.provider) == ("a", "b")

        assert await w.received.wait_for("via-a") == ("via-a", True, "delivered")
        assert await w.received.wait_for("via-b") == ("via-b", True, "delivered")
        assert {m["receipt"] for m in await w.messages(w.sim_a)} == {"posted"}


async def test_an_undelivered_message_is_reported_as_such():
    async with world() as w:
        await w.behave(w.sim_a, mode="fail")
        await w.behave(w.sim_b, receipt_status="expired")
        await w.router.send(to=TO, text=TEXT, reference="expired-b")
        await w.behave(w.sim_a, mode="ok", receipt_status="failed")
        await w.router.send(to=TO, text=TEXT, reference="failed-a")

        assert await w.received.wait_for("expired-b") == ("expired-b", False, "expired (error code 06)")
        assert await w.received.wait_for("failed-a") == ("failed-a", False, "simulated: failed")


async def test_a_repeated_reference_is_one_message_with_one_receipt():
    async with world() as w:
        first = await w.router.send(to=TO, text=TEXT, reference="same")
        second = await w.router.send(to=TO, text=TEXT, reference="same")

        assert first.provider_message_id == second.provider_message_id
        assert len(await w.messages(w.sim_a)) == 1
        await w.received.wait_for("same")
        assert [r for r in w.received.items if r[0] == "same"] == [("same", True, "delivered")]


@pytest.mark.parametrize(
    ("provider", "authorization"),
    [
        ("a", None),
        ("a", "Bearer wrong"),
        ("a", f"Basic {RECEIPT_SECRET_A.get_secret_value()}"),
        ("a", f"Bearer {RECEIPT_SECRET_B.get_secret_value()}"),  # B's secret is not A's
        ("nope", f"Bearer {RECEIPT_SECRET_A.get_secret_value()}"),
    ],
)
async def test_receipts_without_the_providers_secret_are_refused(provider, authorization):
    async with world() as w:
        headers = {"Authorization": authorization} if authorization else {}
        response = await w.http.post(
            f"{w.receipts_url}{RECEIPTS}/{provider}",
            json={"id": "1", "reference": "forged", "status": "delivered"},
            headers=headers,
        )

        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert "bearer" in response.headers["www-authenticate"].lower()
        assert w.received.items == []


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("a", b"not json"),
        ("a", b"[1, 2]"),
        ("a", b'{"id": "1", "reference": "x", "status": "lost"}'),
        ("a", b'{"id": "1", "status": "delivered"}'),
        ("b", b'{"smsid": "1", "requestid": "x", "status": 9}'),
        ("b", b'{"smsid": "1", "status": 1}'),
    ],
)
async def test_malformed_receipts_are_refused_and_change_nothing(provider, body):
    async with world() as w:
        secret = {"a": RECEIPT_SECRET_A, "b": RECEIPT_SECRET_B}[provider].get_secret_value()
        response = await w.http.post(
            f"{w.receipts_url}{RECEIPTS}/{provider}",
            content=body,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )

        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("sms-receipt-malformed")
        assert w.received.items == []


async def test_health_is_for_system_administrators_only():
    async with world() as w:
        response = await w.http.get(f"{w.receipts_url}/api/v1/notifications/sms/providers")
        assert response.status_code == 401


async def test_no_route_answers_without_credentials():
    async with world() as w:
        app = FastAPI()
        install_error_handlers(app)
        app.include_router(receipts_router(w.router))
        app.include_router(health_router(w.router))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notify"
        ) as client:
            assert await routes_open_without_token(app, client) == []


async def test_system_administrators_read_provider_health_and_others_do_not():
    mint = TokenMint()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {VERIFIER_STATE: mint.verifier()}

    async with world() as w:
        await w.behave(w.sim_a, mode="fail")
        await w.router.send(to=TO, text=TEXT, reference="h-1")
        app = FastAPI(lifespan=lifespan)
        install_error_handlers(app)
        app.include_router(health_router(w.router))
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://notify"
            ) as client,
        ):
            path = "/api/v1/notifications/sms/providers"
            agency = new_id()
            clerk = await client.get(path, headers=mint.headers(agency, [Role.CLERK]))
            admin = await client.get(path, headers=mint.headers(agency, [Role.SYSTEM_ADMIN]))

        assert clerk.status_code == 403
        assert admin.status_code == 200
        a, b = admin.json()
        assert (a["provider"], a["state"], a["attempts"], a["errors"]) == ("a", "healthy", 1, 1)
        assert (b["provider"], b["state"], b["attempts"], b["errors"]) == ("b", "healthy", 1, 0)
