"""The simulator as an operator and a test see it: admin switches, the message list, receipts that
cannot be delivered, and the standalone command."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sms_harness import admin, reserve, serve, world

from kit_bus.testing import eventually
from kit_core import DEV_SECRET, install_error_handlers
from notify_service.sms import (
    GenericHttpProvider,
    SmsProviderConfig,
    SmsRouter,
    SmsSettings,
    open_sms_router,
    receipts_router,
)
from notify_service.sms.simulator import Behaviour, SimulatorConfig, config_matching, create_simulator
from notify_service.sms.simulator.__main__ import main as simulator_main

TO = "+84912345678"


async def test_operator_endpoints_need_the_admin_token():
    async with world() as w:
        for method, path in [("GET", "/messages"), ("DELETE", "/messages"), ("GET", "/admin/behaviour")]:
            response = await w.http.request(method, f"{w.sim_a}{path}")
            assert response.status_code == 401, path
            wrong = await w.http.request(method, f"{w.sim_a}{path}", headers={"Authorization": "Bearer x"})
            assert wrong.status_code == 401, path
        refused = await w.http.put(f"{w.sim_a}/admin/behaviour", json={"mode": "down"})
        assert refused.status_code == 401
        assert (await w.behave(w.sim_a))["mode"] == "ok"


async def test_behaviour_changes_are_validated():
    async with world() as w:
        for bad in [{"mode": "broken"}, {"error_rate": 2}, {"latency_ms": -1}]:
            response = await w.http.put(f"{w.sim_a}/admin/behaviour", json=bad, headers=admin())
            assert response.status_code == 422, bad
        assert (await w.behave(w.sim_a, latency_ms=5, receipt_status="failed")) | {"counters": None} == {
            "mode": "ok",
            "latency_ms": 5.0,
            "error_rate": 0.0,
            "receipt_delay_ms": 50.0,
            "receipt_status": "failed",
            "counters": None,
        }


async def test_messages_are_listed_filtered_and_cleared():
    async with world() as w:
        for reference in ("m-1", "m-2"):
            await w.router.send(to=TO, text="Kiểm tra", reference=reference)
        only = await w.http.get(f"{w.sim_a}/messages", params={"reference": "m-2"}, headers=admin())
        assert [m["reference"] for m in only.json()] == ["m-2"]

        cleared = await w.http.delete(f"{w.sim_a}/messages", headers=admin())
        assert cleared.status_code == 204
        assert await w.messages(w.sim_a) == []


async def test_a_random_error_rate_is_reproducible_with_a_seed():
    async def refusals(seed: int) -> list[int]:
        sock, url = reserve()
        sim = create_simulator(
            SimulatorConfig(api_key=SecretStr("k"), seed=seed, behaviour=Behaviour(error_rate=0.5))
        )
        async with serve((sim, sock)), httpx.AsyncClient() as http:
            statuses = []
            for n in range(12):
                response = await http.post(
                    f"{url}/generic/messages",
                    json={"to": TO, "text": "x", "reference": f"r{n}"},
                    headers={"Authorization": "Bearer k"},
                )
                statuses.append(response.status_code)
        return statuses

    first, second = await refusals(7), await refusals(7)
    assert first == second
    assert set(first) == {202, 503}


async def test_receipts_the_callback_never_takes_are_marked_undeliverable():
    sock, url = reserve()
    gone, gone_url = reserve()
    gone.close()
    sim = create_simulator(
        SimulatorConfig(
            api_key=SecretStr("k"),
            generic_callback_url=f"{gone_url}/receipts",
            receipt_attempts=2,
            behaviour=Behaviour(receipt_delay_ms=0),
        )
    )
    async with serve((sim, sock)), httpx.AsyncClient() as http:
        response = await http.post(
            f"{url}/generic/messages",
            json={"to": TO, "text": "x", "reference": "lost"},
            headers={"Authorization": "Bearer k"},
        )
        assert response.status_code == 202

        async def undeliverable() -> bool:
            return bool((await http.get(f"{url}/messages")).json()[0]["receipt"] == "undeliverable")

        assert await eventually(undeliverable, within=5)


@pytest.mark.timeout(30)
async def test_the_simulator_runs_on_its_own():
    sock, url = reserve()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "SMS_SIMULATOR_API_KEY": "standalone-key"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notify_service.sms.simulator",
        "--port",
        str(port),
        "--receipt-delay-ms",
        "0",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as http:

            async def up() -> bool:
                try:
                    return (await http.get(f"{url}/healthz")).status_code == 200
                except httpx.ConnectError:
                    return False

            assert await eventually(up, within=20, interval=0.1)
            sent = await http.post(
                f"{url}/generic/messages",
                json={"to": TO, "text": "Chào đồng chí", "reference": "standalone"},
                headers={"Authorization": "Bearer standalone-key"},
            )
            assert sent.status_code == 202, sent.text
            [message] = (await http.get(f"{url}/messages")).json()
            assert message["text"] == "Chào đồng chí"
    finally:
        process.terminate()
        async with asyncio.timeout(10):
            await process.wait()


async def test_mounted_in_one_server_with_the_receipts_endpoint_as_in_embedded_mode():
    """The embedded host mounts the simulator beside notify: no lifespan of its own runs there."""
    sock, url = reserve()
    received: list[tuple[str, bool, str]] = []

    async def remember(reference: str, delivered: bool, detail: str) -> None:
        received.append((reference, delivered, detail))

    sim = create_simulator(
        SimulatorConfig(
            generic_callback_url=f"{url}/api/v1/notifications/sms/receipts/sim-generic",
            behaviour=Behaviour(receipt_delay_ms=0),
        )
    )
    host = FastAPI()
    install_error_handlers(host)
    host.mount("/sms-simulator", sim)
    async with httpx.AsyncClient() as http:
        router = SmsRouter(
            [
                GenericHttpProvider(
                    name="sim-generic",
                    http=http,
                    base_url=f"{url}/sms-simulator/generic",
                    api_key=DEV_SECRET,
                    receipt_secret=DEV_SECRET,
                )
            ]
        )
        router.on_receipt(remember)
        host.include_router(receipts_router(router))
        async with serve((host, sock)):
            outcome = await router.send(to=TO, text="Lịch họp giao ban", reference="embedded")
            assert outcome.accepted
            assert await eventually(lambda: received, within=5) == [("embedded", True, "delivered")]


async def test_only_the_latest_messages_are_kept():
    sock, url = reserve()
    sim = create_simulator(SimulatorConfig(api_key=SecretStr("k"), max_messages=2))
    async with serve((sim, sock)), httpx.AsyncClient() as http:
        for n in range(3):
            await http.post(
                f"{url}/generic/messages",
                json={"to": TO, "text": f"tin {n}", "reference": f"r{n}"},
                headers={"Authorization": "Bearer k"},
            )
        assert [m["reference"] for m in (await http.get(f"{url}/messages")).json()] == ["r1", "r2"]


def test_standalone_refuses_to_expose_the_texts_without_an_admin_token(monkeypatch, capsys):
    monkeypatch.delenv("SMS_SIMULATOR_ADMIN_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exited:
        simulator_main(["--host", "0.0.0.0", "--port", "0"])  # noqa: S104 - the point is the refusal
    assert exited.value.code == 2
    assert "SMS_SIMULATOR_ADMIN_TOKEN" in capsys.readouterr().err


async def test_one_mounted_simulator_stands_in_for_the_configured_providers():
    """Embedded mode: settings name two accounts; one simulator, mounted beside notify's receipts
    endpoint, plays both, and receipts come back for each provider with its own secret."""
    sock, url = reserve()
    settings = SmsSettings(
        providers=[
            SmsProviderConfig(
                name="viettel",
                kind="brandname",
                base_url=f"{url}/sms-simulator/brandname",
                password=SecretStr("p"),
                receipt_secret=SecretStr("from-viettel"),
                brandname="UBND-NINHBINH",
            ),
            SmsProviderConfig(
                name="backup",
                kind="generic",
                base_url=f"{url}/sms-simulator/generic",
                api_key=SecretStr("k"),
                receipt_secret=SecretStr("from-backup"),
            ),
        ]
    )
    config = config_matching(settings, notify_url=url, behaviour=Behaviour(receipt_delay_ms=0))
    sim = create_simulator(config)
    host = FastAPI()
    install_error_handlers(host)
    host.mount("/sms-simulator", sim)
    received: list[tuple[str, bool, str]] = []

    async def remember(reference: str, delivered: bool, detail: str) -> None:
        received.append((reference, delivered, detail))

    async with open_sms_router(settings, env="test") as router:
        router.on_receipt(remember)
        host.include_router(receipts_router(router))
        async with serve((host, sock)), sim.router.lifespan_context(sim):
            first = await router.send(to=TO, text="Văn bản đến", reference="one")
            sim.state.simulator.config.brandnames = []  # the brand name lapses at the gateway …
            second = await router.send(to=TO, text="Văn bản đi", reference="two")
            assert (first.provider, first.accepted) == ("viettel", True)
            assert (second.provider, second.accepted) == ("backup", True)  # … so the generic account sends
            assert sorted(await eventually(lambda: len(received) == 2 and received, within=5)) == [
                ("one", True, "delivered"),
                ("two", True, "delivered"),
            ]
