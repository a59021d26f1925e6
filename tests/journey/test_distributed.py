"""`make up`: five uvicorn processes on PostgreSQL and Kafka behind nginx; every /readyz and the
journey answer through the gateway's one port."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kit_bus.testing import eventually
from tests.journey.flow import SERVICES, all_ready, bearer, journey, sign_in
from tests.journey.mailbox import smtp_server
from tests.support import PG, ROOT, VAR_DIR

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
GATEWAY = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"
OFFICE = "000.00.01.H42"  # Văn phòng UBND tỉnh: the province's IT staff sit there
ADMIN_PASSWORD = "Quản trị hệ thống 2026"  # noqa: S105 - test data


def local(action: str, extra_env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [str(ROOT / "deploy/local.sh"), action],
        check=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(VAR_DIR), "DB_PREFIX": "journey_", **(extra_env or {})},
    )


@pytest.fixture
async def distributed():
    with smtp_server() as (mailbox, mail_settings):
        await asyncio.to_thread(local, "up-services", mail_settings)
        try:
            yield mailbox
        finally:
            await asyncio.to_thread(local, "down-services")


async def command(*args: str, env: dict[str, str]) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await process.wait()


async def bootstrap_admin(tmp_path: Path) -> tuple[str, str]:
    """An operator's first steps on a new installation, before anyone can sign in: the first agency
    into routing's directory (`routing_service orgs import`), then the first system administrator
    in it (`identity_service users create-admin`), once the agency has replicated to identity."""
    directory = tmp_path / "danh-ba.csv"
    directory.write_text(f"code,name,tier\n{OFFICE},Văn phòng Ủy ban nhân dân tỉnh Ninh Bình,province\n")
    routing_env = {"ROUTING_DATABASE_URL": f"{PG}/journey_routing", "ROUTING_LOG_LEVEL": "WARNING"}
    assert await command("routing_service", "orgs", "import", str(directory), env=routing_env) == 0
    username = f"quantri{random.randrange(10**6):06d}"
    identity_env = {
        "IDENTITY_DATABASE_URL": f"{PG}/journey_identity",
        "IDENTITY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "IDENTITY_LOG_LEVEL": "WARNING",
    }

    async def created() -> bool:  # fails until the agency has replicated to identity
        args = ("identity_service", "users", "create-admin", "--username", username)
        return (
            await command(*args, "--full-name", "Quản trị viên", "--agency-code", OFFICE, env=identity_env)
            == 0
        )

    await eventually(created, within=60, interval=0.5)
    return username, ADMIN_PASSWORD


async def test_distributed_mode_through_nginx(distributed, tmp_path):
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=10) as client:
        assert await all_ready(client) == dict.fromkeys(SERVICES, 200)
        response = await client.get("/api/v1/orgs", headers={"X-Request-ID": "journey-test-1"})
        assert response.status_code == 401  # nginx passes it on; routing itself refuses
        assert response.headers["x-request-id"] == "journey-test-1"
        assert response.headers["www-authenticate"] == "Bearer"
        missing = await client.get("/api/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")

        username, password = await bootstrap_admin(tmp_path)
        admin = await sign_in(client, username, password)
        listed = await client.get("/api/v1/orgs", headers=bearer(admin), params={"q": OFFICE})
        assert [o["code"] for o in listed.json()] == [OFFICE]
        await journey(client, admin, distributed, "http://127.0.0.1:8191/messages")
