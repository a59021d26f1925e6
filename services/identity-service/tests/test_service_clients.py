"""Service clients of the installation (egov-gateway's): `identity_service clients ensure` creates or
updates one with a secret from the environment, its tokens act for no agency and carry its scopes."""

from __future__ import annotations

from identity_harness import PROVINCE, bearer

from identity_service.commands import clients
from kit_core import JwksVerifier, Principal

SECRET = "s3cret-from-the-deploy-script-0123456789abcdef"  # noqa: S105
OTHER = "another-secret-after-a-reinstall-0123456789abcd"


def grant(secret: str, scope: str | None = "exchange.files") -> dict[str, str]:
    data = {"grant_type": "client_credentials", "client_id": "egov-gateway", "client_secret": secret}
    if scope:
        data["scope"] = scope
    return data


async def token(identity, data):
    return await identity.client.post("/api/v1/auth/token", data=data)


async def test_ensure_creates_then_updates_a_service_client(identity, monkeypatch, capsys):
    monkeypatch.setenv("EGOV_CLIENT_SECRET", SECRET)
    argv = ["ensure", "egov-gateway", "--scope", "exchange.files", "--secret-env", "EGOV_CLIENT_SECRET"]
    assert await clients(identity.settings, argv) == 0
    assert "service client egov-gateway created: scopes exchange.files" in capsys.readouterr().out
    assert await clients(identity.settings, argv) == 0
    assert "up to date" in capsys.readouterr().out

    issued = await token(identity, grant(SECRET))
    assert issued.status_code == 200, issued.text
    verifier = JwksVerifier(
        jwks_url="http://test/.well-known/jwks.json",
        issuer=identity.settings.jwt_issuer,
        audience=identity.settings.jwt_audience,
        http=identity.client,
    )
    principal = Principal.from_claims(await verifier.verify(issued.json()["access_token"]))
    assert principal.is_client
    assert principal.client_id == "egov-gateway"
    assert principal.scopes == {"exchange.files"}
    assert principal.agency_id is None
    assert principal.roles == frozenset()

    # A reinstall with another secret: the old one stops at once, the new one works.
    monkeypatch.setenv("EGOV_CLIENT_SECRET", OTHER)
    assert await clients(identity.settings, [*argv, "--name", "Cổng trục liên thông"]) == 0
    assert (await token(identity, grant(SECRET))).status_code == 401
    assert (await token(identity, grant(OTHER))).status_code == 200
    assert (await token(identity, grant(OTHER, "documents.read"))).json()["error"] == "invalid_scope"
    kinds = [entry.kind for entry in await identity.audit()]
    assert kinds.count("client.created") == 1
    assert kinds.count("client.updated") == 1

    # Administrators see it; an agency administrator cannot manage a client of no agency.
    province = await identity.agency(PROVINCE)
    listed = await identity.client.get("/api/v1/clients", headers=bearer(await identity.admin(province)))
    assert listed.status_code == 200, listed.text
    [shown] = [c for c in listed.json() if c["client_id"] == "egov-gateway"]
    assert shown["agency_id"] is None
    assert shown["name"] == "Cổng trục liên thông"


async def test_ensure_refuses_what_it_cannot_make(identity, monkeypatch, capsys):
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    base = ["ensure", "egov-gateway", "--scope", "exchange.files"]
    assert await clients(identity.settings, [*base, "--secret-env", "NO_SUCH_SECRET"]) == 1
    assert "NO_SUCH_SECRET is empty or unset" in capsys.readouterr().out
    monkeypatch.setenv("SHORT_SECRET", "short")
    assert await clients(identity.settings, [*base, "--secret-env", "SHORT_SECRET"]) == 1
    assert "at least 32 characters" in capsys.readouterr().out
    monkeypatch.setenv("EGOV_CLIENT_SECRET", SECRET)
    unknown = ["ensure", "egov-gateway", "--scope", "root.everything", "--secret-env", "EGOV_CLIENT_SECRET"]
    assert await clients(identity.settings, unknown) == 1
    assert "unknown scopes: root.everything" in capsys.readouterr().out
    bad_id = ["ensure", "cli_0123", "--scope", "exchange.files", "--secret-env", "EGOV_CLIENT_SECRET"]
    assert await clients(identity.settings, bad_id) == 1
    assert (await token(identity, grant(SECRET))).status_code == 401  # nothing was created
