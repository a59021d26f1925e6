"""`make run`: one process on one port answers every service's /readyz, carries events between
services, stops cleanly on Ctrl-C (SIGINT) and keeps its data across a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import pytest

from egov_gateway.sandbox import SandboxConfig
from embedded_host.host import Host, TokenSettingsMismatch, sandbox_config
from identity_service.user.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET
from kit_bus.testing import eventually
from tests.journey.flow import (
    SERVICES,
    all_ready,
    bearer,
    free_port,
    journey,
    refused_without_token,
    sign_in,
)
from tests.journey.mailbox import smtp_server
from tests.support import ROOT


@pytest.fixture
def mailbox():
    with smtp_server() as (box, settings):
        yield box, settings


@pytest.fixture
def start_host(tmp_path, mailbox):
    procs: list[subprocess.Popen[bytes]] = []
    port = free_port()
    _, mail_settings = mailbox

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / "host.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "embedded_host", "--var", str(tmp_path / "var"), "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **mail_settings},
        )
        procs.append(proc)
        return proc

    yield start, f"http://127.0.0.1:{port}"
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_embedded_mode_end_to_end(start_host, mailbox, tmp_path):
    start, base = start_host
    host = start()
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:

        async def up() -> bool:
            try:
                return (await client.get("/routing/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(up, within=60, interval=0.2)
        assert await all_ready(client) == dict.fromkeys(SERVICES, 200)
        index = (await client.get("/")).json()
        assert set(index["services"]) == set(SERVICES)
        assert (await client.get("/routing/docs")).status_code == 200
        assert (await client.get("/nowhere")).headers["content-type"] == "application/problem+json"
        assert (await client.get("/api/v1/orgs")).status_code == 401
        # The seeded system administrator; every service checks the token against identity's keys.
        admin = await sign_in(client, "quantri", DEMO_PASSWORD, DEMO_TOTP_SECRET)
        seeded = (await client.get("/api/v1/orgs", headers=bearer(admin))).json()
        assert "000.00.00.H42" in {o["code"] for o in seeded}

        result = await journey(client, admin, mailbox[0], f"{base}/sms-simulator/messages")

        host.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(host.wait, 30) == 0
        start()
        await eventually(up, within=60, interval=0.2)
        # The token from before the restart still works: the keys and the session were kept.
        kept = await client.get(f"/api/v1/orgs/{result['org']['id']}", headers=bearer(admin))
        assert kept.status_code == 200, kept.text
        assert kept.json()["code"] == result["code"]
        again = (await client.get("/api/v1/orgs", headers=bearer(admin))).json()
        assert len([o for o in again if o["code"] == "000.00.00.H42"]) == 1  # seeding twice adds nothing
        assert await refused_without_token(client) == dict.fromkeys(SERVICES, 401)


async def test_a_service_expecting_another_issuer_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCS_JWT_ISSUER", "https://elsewhere.example")
    host = Host(var_dir=tmp_path, seed=False)
    with pytest.raises(
        TokenSettingsMismatch, match=r"^DOCS_JWT_ISSUER='https://elsewhere\.example' but IDENTITY_"
    ):
        async with host.running():
            pass
    assert host.apps == {}  # refused before any service started


def test_the_axis_sandbox_answers_after_the_configured_delay(monkeypatch):
    monkeypatch.delenv("EMBEDDED_AXIS_ACK_DELAY", raising=False)
    assert sandbox_config() == SandboxConfig()  # the sandbox's own default
    monkeypatch.setenv("EMBEDDED_AXIS_ACK_DELAY", "0.25")
    assert sandbox_config().ack_delays == (0.25, 0.25, 0.25, 0.25)
    for wrong in ("-1", "soon", "nan"):
        monkeypatch.setenv("EMBEDDED_AXIS_ACK_DELAY", wrong)
        with pytest.raises(ValueError, match=r"^EMBEDDED_AXIS_ACK_DELAY='.+': give seconds"):
            sandbox_config()
