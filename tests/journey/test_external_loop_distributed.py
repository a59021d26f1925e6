"""Issue 7's acceptance loop in distributed mode: the five services as processes on PostgreSQL and
Kafka behind nginx (`make up`), the axis sandbox as its own process on :8190 (as `make up` starts
it), driven through the gateway's one port by people who sign in. The same three parts as
``test_external_loop`` (province → Văn phòng Chính phủ with 01/03/05/06 back; Văn phòng Chính phủ →
commune with a signed PDF; its recall answered 15), on databases of their own (``loop_*``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from kit_bus.testing import eventually
from kit_db import drop_database
from tests.journey.flow import add_user, bearer, sign_in
from tests.journey.test_distributed import GATEWAY, command, local
from tests.journey.test_external_loop import (
    COMMUNE,
    SANDBOX,
    a_pdf,
    ok,
    part_one_to_the_government_office,
    part_three_recall,
    part_two_from_the_government_office,
    ready,
    signed_by_the_ministry,
)
from tests.support import PG, ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
PREFIX = "loop_"
PROVINCE = "000.00.00.H42"
SANDBOX_PORT = 8190  # deploy/local.sh's stand-in for the national axis
FAST = {"DB_PREFIX": PREFIX, "EGOV_INBOUND_POLL_SECONDS": "0.2", "EGOV_OUTBOUND_POLL_SECONDS": "0.2"}
ADMIN_PASSWORD = "Quản trị liên thông 2026"  # noqa: S105 - test data


class ThroughGatewayAndAxis(httpx.AsyncBaseTransport):
    """One client for the loop: ``/axis-sandbox/…`` goes to the sandbox's own port (the national
    axis is not behind our gateway), everything else to the gateway."""

    def __init__(self) -> None:
        self.transport = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(SANDBOX + "/"):
            request.url = request.url.copy_with(port=SANDBOX_PORT, path=request.url.path[len(SANDBOX) :])
            request.headers["host"] = f"127.0.0.1:{SANDBOX_PORT}"
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.transport.aclose()


@pytest.fixture
async def distributed_loop() -> AsyncIterator[None]:
    # A new installation each run: the sandbox (a fresh process) numbers its inbox from 1 again, so
    # egov's cursor and everything else must start afresh too.
    for service in ("identity", "routing", "docs", "notify", "egov"):
        await drop_database(f"{PG}/{PREFIX}{service}")
    await asyncio.to_thread(local, "up-services", FAST)
    try:
        yield
    finally:
        await asyncio.to_thread(local, "down-services", FAST)


async def bootstrap(tag: str) -> str:
    """The demo directory (`routing_service orgs seed small`: the province, its districts and
    communes, Văn phòng Chính phủ beyond the axis) and a system administrator in the province."""
    routing_env = {"ROUTING_DATABASE_URL": f"{PG}/{PREFIX}routing", "ROUTING_LOG_LEVEL": "WARNING"}
    assert await command("routing_service", "orgs", "seed", "small", env=routing_env) == 0
    username = f"quantri.{tag}"
    identity_env = {
        "IDENTITY_DATABASE_URL": f"{PG}/{PREFIX}identity",
        "IDENTITY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "IDENTITY_LOG_LEVEL": "WARNING",
    }

    async def created() -> bool:  # fails until the province has replicated to identity
        args = ("identity_service", "users", "create-admin", "--username", username, "--full-name")
        return await command(*args, "Quản trị viên", "--agency-code", PROVINCE, env=identity_env) == 0

    await eventually(created, within=60, interval=0.5)
    return username


async def person(
    client: httpx.AsyncClient, admin: dict[str, str], org: dict[str, str], username: str, role: str
) -> dict[str, str]:
    password = f"Mật khẩu an toàn {random.randrange(10**8):08d} Ninh Bình"
    await add_user(
        client,
        admin,
        username=username,
        full_name=f"Người dùng {username}",
        agency_id=org["id"],
        roles=[role],
        password=password,
        email=f"{username}@ninhbinh.gov.vn",
    )
    return bearer(await sign_in(client, username, password))


async def test_the_external_loop_in_distributed_mode(distributed_loop, tmp_path: Path) -> None:
    tag = f"{random.randrange(10**6):06d}"  # fresh people each run, should the databases be reused
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30, transport=ThroughGatewayAndAxis()) as client:
        await eventually(lambda: ready(client), within=60, interval=0.2)
        admin = bearer(await sign_in(client, await bootstrap(tag), ADMIN_PASSWORD))

        async def org(code: str) -> dict[str, str] | None:
            found = ok(await client.get("/api/v1/orgs", headers=admin, params={"q": code}), 200)
            return next((o for o in found if o["code"] == code), None)

        province = await eventually(lambda: org(PROVINCE), within=30)
        commune = await eventually(lambda: org(COMMUNE), within=30)
        tinh = {
            name: await person(client, admin, province, f"tinh.{name}.{tag}", role)
            for name, role in (("chuyenvien", "specialist"), ("lanhdao", "leader"), ("vanthu", "clerk"))
        }

        await part_one_to_the_government_office(client, tinh)

        commune_clerk = await person(client, admin, commune, f"kimchinh.vanthu.{tag}", "clerk")
        # docs-service made its development CA when the province signed (var/signing/docs under the
        # repository, where `make up` runs it).
        pdf = await signed_by_the_ministry(
            a_pdf("VĂN PHÒNG CHÍNH PHỦ", "Về việc đẩy mạnh gửi, nhận văn bản điện tử"),
            ROOT / "var" / "signing" / "docs" / "ca",
            tmp_path,
        )
        received = await part_two_from_the_government_office(client, commune_clerk, pdf)
        await part_three_recall(client, commune_clerk, received)
