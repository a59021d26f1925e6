"""The journey, through the public paths only, every call after sign-in with a token: no service
answers without one; a system administrator (signed in with password + TOTP) creates an agency in
routing, which reaches identity (the administrator adds a clerk to it), docs (its registers open)
and egov (its directory entry); the clerk signs in and finds identity's welcome in her notify feed,
sees her agency's registers and is refused another's; then she signs in with a code sent by e-mail,
read from a real SMTP server the test runs (identity → bus → notify → SMTP)."""

from __future__ import annotations

import random
import re
import socket
from typing import Any

import httpx
import jwt
import pyotp

from kit_bus.testing import eventually
from tests.journey.mailbox import Mailbox

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


# One API call per service, as someone without a token would make it: each must be refused.
API_PROBES = {
    "identity": "/api/v1/users/me",
    "routing": "/api/v1/orgs",
    "docs": "/api/v1/registers",
    "notify": "/api/v1/notifications/feed",
    "egov": "/api/v1/exchange/agencies",
}


async def refused_without_token(client: httpx.AsyncClient) -> dict[str, int]:
    """Each service's API called with no token: the status codes (all 401, with a Bearer challenge)."""
    statuses = {}
    for name, path in API_PROBES.items():
        response = await client.get(path)
        statuses[name] = response.status_code
        assert response.headers.get("www-authenticate", "").startswith("Bearer"), (name, response.headers)
        assert response.headers["content-type"].startswith("application/problem+json"), name
    return statuses


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def add_user(client: httpx.AsyncClient, admin: dict[str, str], **user: Any) -> dict[str, Any]:
    """``POST /api/v1/users`` as an administrator, once the agency (``agency_id``) has replicated
    from routing to identity (until then identity answers 409 unknown-agency)."""

    async def created() -> dict[str, Any] | None:
        response = await client.post("/api/v1/users", headers=admin, json=user)
        if response.status_code == 409 and response.json()["type"].endswith("/unknown-agency"):
            return None  # not replicated yet
        assert response.status_code == 201, response.text
        return dict(response.json())

    return await eventually(created, within=60, interval=0.2)


async def journey(
    client: httpx.AsyncClient, admin_token: str, mailbox: Mailbox, sms_messages_url: str
) -> dict[str, Any]:
    """``sms_messages_url``: where the SMS provider simulator lists what it was given to send."""
    """``admin_token``: an access token of a system administrator (who may act for any agency)."""
    assert await refused_without_token(client) == dict.fromkeys(SERVICES, 401)
    admin = bearer(admin_token)
    n = random.randrange(1000, 99999)  # a fresh code each run, so a reused database does not conflict
    code = f"{n // 1000 % 1000:03d}.{n % 100:02d}.{n // 100 % 10 + 50:02d}.H42"
    created = await client.post(
        "/api/v1/orgs",
        headers=admin,
        json={
            "code": code,
            "name": f"Ủy ban nhân dân xã Thử Nghiệm {n}",
            "short_name": "UBND",
            "tier": "commune",
        },
    )
    assert created.status_code == 201, created.text
    org = created.json()
    username, password = f"vanthu.{n}", f"Văn thư xã {n} Ninh Bình"
    email = f"{username}@thunghiem.ninhbinh.gov.vn"
    phone = f"+8498{n:07d}"

    user = await add_user(
        client,
        admin,
        username=username,
        full_name="Lê Thị Văn Thư",
        agency_id=org["id"],
        roles=["clerk"],
        password=password,
        email=email,
        phone=phone,
    )

    async def registers() -> list[dict[str, Any]] | None:
        response = await client.get("/api/v1/registers", headers=admin, params={"org_id": org["id"]})
        return list(response.json()) if response.status_code == 200 and response.json() else None

    opened = await eventually(registers, within=60, interval=0.2)
    assert {r["kind"] for r in opened} == {"outgoing", "incoming"}

    async def directory() -> dict[str, Any] | None:
        response = await client.get(f"/api/v1/exchange/agencies/{code}", headers=admin)
        return dict(response.json()) if response.status_code == 200 else None

    entry = await eventually(directory, within=60, interval=0.2)
    assert entry["external"] is False

    # The new clerk signs in (enrolling TOTP) and works as herself, for her own agency only.
    clerk = bearer(await sign_in(client, username, password))

    async def feed() -> list[dict[str, Any]] | None:
        response = await client.get("/api/v1/notifications/feed", headers=clerk)
        return list(response.json()) if response.status_code == 200 and response.json() else None

    items = await eventually(feed, within=60, interval=0.2)
    assert len(items) == 1
    assert items[0]["user_id"] == user["id"]
    assert "Lê Thị Văn Thư" in items[0]["body"]
    own = await client.get("/api/v1/registers", headers=clerk)
    assert {r["agency_id"] for r in own.json()} == {org["id"]}
    admins_agency = jwt.decode(admin_token, options={"verify_signature": False})["agency_id"]
    elsewhere = await client.get("/api/v1/registers", headers=clerk, params={"org_id": admins_agency})
    assert elsewhere.status_code == 403, elsewhere.text
    refused = await client.post(
        "/api/v1/orgs", headers=clerk, json={"code": "000.99.99.H42", "name": "Không được", "tier": "commune"}
    )
    assert refused.status_code == 403, refused.text
    assert (await client.get(f"/api/v1/orgs/{org['id']}", headers=clerk)).status_code == 200

    # A second factor by e-mail: the code goes identity → bus → notify → SMTP, and is read there.
    challenge = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert challenge.status_code == 200, challenge.text
    assert "email" in challenge.json()["factors"]
    challenge_id = challenge.json()["challenge_id"]
    sent = await client.post(
        "/api/v1/auth/login/code", json={"challenge_id": challenge_id, "channel": "email"}
    )
    assert sent.status_code == 202, sent.text

    async def mail() -> Any:
        return [m for m in mailbox.to(email) if m["Subject"] == "Mã xác thực đăng nhập"] or None

    [message] = await eventually(mail, within=60, interval=0.2)
    # The welcome came by e-mail too, in Vietnamese.
    assert [m["Subject"] for m in mailbox.to(email) if m is not message]
    text = message.get_body(("plain",))
    assert text is not None
    found = re.search(r"\b(\d{6})\b", text.get_content())
    assert found is not None, text.get_content()
    tokens = await client.post(
        "/api/v1/auth/login/verify",
        json={"challenge_id": challenge_id, "factor": "email", "code": found.group(1)},
    )
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["amr"] == ["pwd", "email"]

    # And by SMS: notify's SMS router hands it to a provider (the simulator, a protocol peer), whose
    # list of sent messages the test reads as a phone would.
    challenge = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    challenge_id = challenge.json()["challenge_id"]
    sent = await client.post("/api/v1/auth/login/code", json={"challenge_id": challenge_id, "channel": "sms"})
    assert sent.status_code == 202, sent.text

    async def sms() -> Any:
        async with httpx.AsyncClient(timeout=5) as simulator:
            messages = (await simulator.get(sms_messages_url)).json()
        return [m for m in messages if m["to"] == phone and "Mã xác thực" in m["text"]] or None

    [text] = await eventually(sms, within=60, interval=0.2)
    found = re.search(r"\b(\d{6})\b", text["text"])
    assert found is not None, text
    tokens = await client.post(
        "/api/v1/auth/login/verify",
        json={"challenge_id": challenge_id, "factor": "sms", "code": found.group(1)},
    )
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["amr"] == ["pwd", "sms"]
    return {"org": org, "user": user, "code": code}
