"""The walking skeleton's journey, through the public paths only: an agency created in routing
reaches identity (an administrator signs in with password + TOTP and adds a user to it), docs (its
registers open), egov (its directory entry) and, through identity's welcome request, notify (the
user's feed)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pyotp

from kit_bus.testing import eventually

SERVICES = ("identity", "routing", "docs", "notify", "egov")


async def all_ready(client: httpx.AsyncClient) -> dict[str, int]:
    return {name: (await client.get(f"/{name}/readyz")).status_code for name in SERVICES}


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str, totp_secret: str | None = None
) -> str:
    """Password, then TOTP (enrolling it at this first login when the account has none); the access token."""
    challenge = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert challenge.status_code == 200, challenge.text
    challenge_id = challenge.json()["challenge_id"]
    if "totp" in challenge.json()["enroll"]:
        enrolment = await client.post("/api/v1/auth/login/totp", json={"challenge_id": challenge_id})
        assert enrolment.status_code == 200, enrolment.text
        totp_secret = enrolment.json()["secret"]
    assert totp_secret is not None, f"{username} has TOTP but no secret was given"
    tokens = await client.post(
        "/api/v1/auth/login/verify",
        json={"challenge_id": challenge_id, "factor": "totp", "code": pyotp.TOTP(totp_secret).now()},
    )
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["amr"] == ["pwd", "otp"]
    return str(tokens.json()["access_token"])


async def journey(client: httpx.AsyncClient, admin: Callable[[str], Awaitable[str]]) -> dict[str, Any]:
    """``admin(agency_code)`` returns an access token of an administrator who may add users there."""
    n = random.randrange(1000, 99999)  # a fresh code each run, so a reused database does not conflict
    code = f"{n // 1000 % 1000:03d}.{n % 100:02d}.{n // 100 % 10 + 50:02d}.H42"
    created = await client.post(
        "/api/v1/orgs",
        json={
            "code": code,
            "name": f"Ủy ban nhân dân xã Thử Nghiệm {n}",
            "short_name": "UBND",
            "tier": "commune",
        },
    )
    assert created.status_code == 201, created.text
    org = created.json()

    token = await admin(code)

    async def user_created() -> dict[str, Any] | None:
        response = await client.post(
            "/api/v1/users",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "username": f"vanthu.{n}",
                "full_name": "Lê Thị Văn Thư",
                "agency_id": org["id"],
                "roles": ["clerk"],
                "password": f"Văn thư xã {n} Ninh Bình",
            },
        )
        if response.status_code == 409 and response.json()["type"].endswith("/unknown-agency"):
            return None  # not replicated yet
        assert response.status_code == 201, response.text
        return dict(response.json())

    user = await eventually(user_created, within=60, interval=0.2)

    async def registers() -> list[dict[str, Any]] | None:
        response = await client.get("/api/v1/registers", params={"org_id": org["id"]})
        return list(response.json()) if response.status_code == 200 and response.json() else None

    opened = await eventually(registers, within=60, interval=0.2)
    assert {r["kind"] for r in opened} == {"outgoing", "incoming"}

    async def directory() -> dict[str, Any] | None:
        response = await client.get(f"/api/v1/exchange/agencies/{code}")
        return dict(response.json()) if response.status_code == 200 else None

    entry = await eventually(directory, within=60, interval=0.2)
    assert entry["external"] is False

    async def feed() -> list[dict[str, Any]] | None:
        response = await client.get("/api/v1/notifications/feed", params={"user_id": user["id"]})
        return list(response.json()) if response.status_code == 200 and response.json() else None

    items = await eventually(feed, within=60, interval=0.2)
    assert len(items) == 1
    assert "Lê Thị Văn Thư" in items[0]["body"]
    return {"org": org, "user": user, "code": code}
