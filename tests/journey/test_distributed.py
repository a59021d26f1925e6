"""`make up`: five uvicorn processes on PostgreSQL and Kafka behind nginx; every /readyz and the
journey answer through the gateway's one port."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import pytest

from kit_bus.testing import eventually
from tests.journey.flow import SERVICES, all_ready, journey, sign_in
from tests.support import PG, ROOT, VAR_DIR

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
GATEWAY = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"


def local(action: str) -> None:
    subprocess.run(
        [str(ROOT / "deploy/local.sh"), action],
        check=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(VAR_DIR), "DB_PREFIX": "journey_"},
    )


@pytest.fixture
async def distributed():
    await asyncio.to_thread(local, "up-services")
    try:
        yield
    finally:
        await asyncio.to_thread(local, "down-services")


async def test_distributed_mode_through_nginx(distributed):
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=10) as client:
        assert await all_ready(client) == dict.fromkeys(SERVICES, 200)
        response = await client.get("/api/v1/orgs", headers={"X-Request-ID": "journey-test-1"})
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "journey-test-1"
        missing = await client.get("/api/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")

        async def bootstrap_admin(code: str) -> str:
            """The operator's first step on a new installation: `identity_service users create-admin`."""
            username = f"admin{code.replace('.', '')[:9].lower()}"
            env = {
                **os.environ,
                "IDENTITY_DATABASE_URL": f"{PG}/journey_identity",
                "IDENTITY_ADMIN_PASSWORD": "Quản trị hệ thống 2026",
                "IDENTITY_LOG_LEVEL": "WARNING",
            }

            async def created() -> bool:
                result = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "identity_service",
                    "users",
                    "create-admin",
                    "--username",
                    username,
                    "--full-name",
                    "Quản trị viên",
                    "--agency-code",
                    code,
                    env=env,
                    cwd=ROOT,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                return await result.wait() == 0  # fails until the new agency has replicated to identity

            await eventually(created, within=60, interval=0.5)
            return await sign_in(client, username, "Quản trị hệ thống 2026")

        await journey(client, bootstrap_admin)
