"""kit_core.auth: the principal from a verified token, 401/403 as problems, roles per agency; and the
TokenMint that stands in for identity-service in every service's tests."""

import contextlib
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry

from kit_core import (
    AUTHENTICATION,
    AUTHORISATION,
    CurrentPrincipal,
    InvalidToken,
    Principal,
    RateLimited,
    Role,
    bearer_challenge,
    ensure_agency,
    install_platform,
    problems,
    require_roles,
    require_scopes,
)
from kit_core.auth import ClientRate
from kit_core.testing import REFUSED_CASES, TokenMint

SystemAdmin = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN))]
Sender = Annotated[Principal, Depends(require_scopes("notifications.send", roles=(Role.SYSTEM_ADMIN,)))]
ClientOnly = Annotated[Principal, Depends(require_scopes("directory.read"))]


def app_for(mint: TokenMint | None) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield {"jwks_verifier": mint.verifier()} if mint else {}

    app = FastAPI(lifespan=lifespan)
    install_platform(app, registry=CollectorRegistry(), service="probe")

    @app.get("/me", responses=problems(*AUTHENTICATION))
    async def me(principal: CurrentPrincipal) -> dict[str, object]:
        return {
            "user_id": principal.user_id,
            "username": principal.username,
            "agency_id": principal.agency_id,
            "agency_code": principal.agency_code,
            "roles": sorted(principal.roles),
            "amr": list(principal.amr),
            "session_id": principal.session_id,
            "token_id": principal.token_id,
            "expires_at": principal.expires_at,
        }

    @app.get("/admin", responses=problems(*AUTHENTICATION, *AUTHORISATION))
    async def admin(principal: SystemAdmin) -> dict[str, str]:
        return {"ok": principal.subject}

    @app.post("/send")
    async def send(principal: Sender) -> dict[str, str | None]:
        return {"client": principal.client_id, "user": str(principal.user_id) if principal.user_id else None}

    @app.get("/directory")
    async def directory(principal: ClientOnly) -> dict[str, str | None]:
        return {"client": principal.client_id}

    @app.get("/agencies/{agency_id}/desk")
    async def desk(agency_id: UUID, principal: CurrentPrincipal) -> dict[str, str]:
        ensure_agency(principal, agency_id, roles=(Role.CLERK, Role.SYSTEM_ADMIN))
        return {"ok": str(agency_id)}

    return app


@contextlib.asynccontextmanager
async def serving(mint: TokenMint | None):
    async with LifespanManager(app_for(mint)) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_a_verified_token_becomes_the_principal():
    mint = TokenMint()
    agency, user = uuid4(), uuid4()
    async with serving(mint) as client:
        response = await client.get(
            "/me",
            headers=mint.headers(agency, ["clerk", "leader"], user_id=user, agency_code="000.00.15.H42"),
        )
        assert response.status_code == 200, response.text
        me = response.json()
        assert me["user_id"] == str(user)
        assert me["agency_id"] == str(agency)
        assert me["agency_code"] == "000.00.15.H42"
        assert me["roles"] == ["clerk", "leader"]
        assert me["amr"] == ["pwd", "otp"]
        assert UUID(me["session_id"])
        assert me["token_id"]
        assert datetime.fromisoformat(me["expires_at"]) > datetime.now(UTC)
        await client.get("/me", headers=mint.headers(agency, ["clerk"]))
    assert mint.fetches == 1  # the JWKS is fetched once and cached


@pytest.mark.parametrize(
    "case",
    list(REFUSED_CASES),
)
async def test_a_missing_or_bad_token_is_a_401_problem_with_a_bearer_challenge(case):
    mint = TokenMint()
    async with serving(mint) as client:
        assert set(mint.refused()) >= {case}
        response = await client.get("/admin", headers=mint.refused(uuid4(), ["system_admin"])[case])
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["www-authenticate"]
    problem = response.json()
    if case in ("missing", "not a bearer token"):
        assert challenge == "Bearer"  # RFC 6750 §3.1: no error code when no token was sent
        assert problem["type"].endswith("/not-authenticated")
    else:
        assert challenge.startswith('Bearer error="invalid_token"')
        assert problem["type"].endswith("/invalid-token")
        assert problem["title"] == "Invalid access token"


async def test_roles_are_exact_and_name_what_is_needed():
    mint = TokenMint()
    agency = uuid4()
    async with serving(mint) as client:
        refused = await client.get("/admin", headers=mint.headers(agency, ["agency_admin", "clerk"]))
        assert refused.status_code == 403
        problem = refused.json()
        assert problem["type"].endswith("/missing-role")
        assert problem["required_roles"] == ["system_admin"]
        assert "system_admin" in problem["detail"]
        assert "agency_admin, clerk" in problem["detail"]
        allowed = await client.get("/admin", headers=mint.headers(agency, ["system_admin"]))
        assert allowed.status_code == 200


async def test_agency_rules_system_admin_anywhere_others_only_their_own():
    mint = TokenMint()
    own, other = uuid4(), uuid4()
    async with serving(mint) as client:

        async def desk(agency, roles):
            return await client.get(f"/agencies/{agency}/desk", headers=mint.headers(own, roles))

        assert (await desk(own, ["clerk"])).status_code == 200
        elsewhere = await desk(other, ["clerk"])
        assert elsewhere.status_code == 403
        assert elsewhere.json()["type"].endswith("/other-agency")
        assert elsewhere.json()["agency_id"] == str(other)
        wrong_role = await desk(own, ["specialist"])
        assert wrong_role.status_code == 403
        assert wrong_role.json()["type"].endswith("/missing-role")
        assert (await desk(other, ["system_admin"])).status_code == 200
        # An agency admin elsewhere is still elsewhere.
        assert (await desk(other, ["agency_admin"])).json()["type"].endswith("/other-agency")


async def test_openapi_declares_the_bearer_scheme_and_the_problems():
    async with serving(TokenMint()) as client:
        spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from identity-service (POST /api/v1/auth/login, then /login/verify).",
    }
    admin = spec["paths"]["/admin"]["get"]
    assert admin["security"] == [{"bearer": []}]
    assert {"401", "403"} <= set(admin["responses"])
    assert "Invalid access token" in admin["responses"]["401"]["description"]


async def test_an_app_without_a_verifier_fails_loudly_not_open():
    mint = TokenMint()
    async with serving(None) as client:
        response = await client.get("/me", headers=mint.headers(uuid4(), ["clerk"]))
    assert response.status_code == 500


def test_principal_from_claims():
    machine = Principal.from_claims(
        {"sub": "client:vpcp-axis", "exp": 2_000_000_000, "scope": "edxml.send stats"}
    )
    assert machine.user_id is None
    assert machine.scopes == {"edxml.send", "stats"}
    assert machine.agency_id is None
    assert not machine.may_act_for(uuid4())
    for bad in (
        {"sub": "u", "exp": 1, "agency_id": "000.00.00.H42"},
        {"sub": "u", "exp": 1, "roles": "system_admin"},  # a list, as identity issues it, or nothing
        {"sub": "u", "exp": 1, "roles": [7]},
        {"sub": "", "exp": 1},
        {"sub": "u"},
    ):
        with pytest.raises(InvalidToken):
            Principal.from_claims(bad)


def test_bearer_challenge_keeps_the_header_safe():
    assert bearer_challenge() == "Bearer"
    assert bearer_challenge("invalid_token", "the token has expired; sign in again") == (
        'Bearer error="invalid_token", error_description="the token has expired; sign in again"'
    )
    for unsafe in ('say "hi"', "Token đã hết hạn", "a\r\nSet-Cookie: x=1", "back\\slash"):
        assert bearer_challenge("invalid_token", unsafe) == 'Bearer error="invalid_token"'


async def test_machine_clients_pass_by_scope_and_people_by_role():
    mint = TokenMint()
    agency = uuid4()
    async with serving(mint) as client:
        sent = await client.post("/send", headers=mint.client_headers(agency, ["notifications.send"]))
        assert sent.status_code == 200, sent.text
        assert sent.json() == {"client": "cli_thu_nghiem", "user": None}
        wrong = await client.post("/send", headers=mint.client_headers(agency, ["directory.read"]))
        assert wrong.status_code == 403
        assert wrong.json()["required_scopes"] == ["notifications.send"]
        assert "has directory.read" in wrong.json()["detail"]
        # A person passes by role, not by scope; a client never passes by a role it cannot hold.
        assert (
            await client.post("/send", headers=mint.headers(agency, [Role.SYSTEM_ADMIN]))
        ).status_code == 200
        assert (await client.post("/send", headers=mint.headers(agency, [Role.CLERK]))).status_code == 403
        people = await client.get("/directory", headers=mint.headers(agency, [Role.SYSTEM_ADMIN]))
        assert people.status_code == 403
        assert "only machine clients" in people.json()["detail"]


async def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_are_not_slowed():
    mint = TokenMint()
    agency = uuid4()
    slow = mint.client_headers(agency, ["directory.read"], client_id="cli_cham", rate_limit=3)
    other = mint.client_headers(agency, ["directory.read"], client_id="cli_khac", rate_limit=3)
    async with serving(mint) as client:
        for _ in range(3):
            assert (await client.get("/directory", headers=slow)).status_code == 200
        refused = await client.get("/directory", headers=slow)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "3 requests a minute" in refused.json()["detail"]
        assert (await client.get("/directory", headers=other)).status_code == 200
        # People are never counted: the limit is the client's.
        for _ in range(5):
            assert (await client.get("/me", headers=mint.headers(agency, [Role.CLERK]))).status_code == 200


def test_the_client_rate_window_slides():
    now = [1000.0]
    rate = ClientRate(clock=lambda: now[0])
    rate.take("a", 2)
    now[0] += 30
    rate.take("a", 2)
    with pytest.raises(RateLimited) as refused:
        rate.take("a", 2)
    assert refused.value.retry_after == 30
    now[0] += 30.5  # the first request has left the minute
    rate.take("a", 2)


def test_a_bad_rate_limit_claim_is_an_invalid_token():
    mint = TokenMint()
    for bad in (0, -1, "600", True):
        with pytest.raises(InvalidToken, match="rate_limit"):
            Principal.from_claims(mint.client_claims(rate_limit=None) | {"rate_limit": bad})
