import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr, ValidationError

from kit_core import (
    DEV_SECRET,
    AppError,
    Conflict,
    JwksVerifier,
    ServiceSettings,
    Unauthorized,
    install_platform,
    problems,
    trace_id_of,
)
from kit_core.tracing import child_of


class SecretSettings(ServiceSettings):
    api_secret: SecretStr = DEV_SECRET


def test_default_secrets_are_refused_in_production_only():
    assert SecretSettings(env="development").api_secret == DEV_SECRET
    with pytest.raises(ValidationError, match="KIT_API_SECRET: still the development default"):
        SecretSettings(env="production")
    assert SecretSettings(env="production", api_secret=SecretStr("s3cr3t")).env == "production"


def test_settings_read_their_own_prefix(monkeypatch):
    monkeypatch.setenv("KIT_PORT", "9123")
    monkeypatch.setenv("OTHER_PORT", "1")
    assert ServiceSettings().port == 9123


def test_traceparent_is_continued_or_started():
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert trace_id_of(child_of(parent)) == "0af7651916cd43dd8448eb211c80319c"
    assert trace_id_of(child_of("garbage")) not in (None, "0af7651916cd43dd8448eb211c80319c")


class DocumentLocked(Conflict):
    title = "Document is locked"
    code = "document-locked"


def app_with_errors() -> FastAPI:
    app = FastAPI()
    install_platform(app, registry=CollectorRegistry(), service="test")

    @app.get("/locked", responses=problems(DocumentLocked))
    async def locked() -> None:
        raise DocumentLocked("document 12/QĐ-UBND is being signed", holder="an.nv")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/items/{n}")
    async def item(n: int) -> dict[str, int]:
        return {"n": n}

    return app


async def test_errors_are_problem_details():
    transport = httpx.ASGITransport(app=app_with_errors(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        locked = await client.get("/locked", headers={"X-Request-ID": "abc-123"})
        assert locked.status_code == 409
        assert locked.headers["content-type"] == "application/problem+json"
        assert locked.headers["x-request-id"] == "abc-123"
        assert locked.json() == {
            "type": "https://egov.example.vn/problems/document-locked",
            "title": "Document is locked",
            "status": 409,
            "detail": "document 12/QĐ-UBND is being signed",
            "instance": "/locked",
            "holder": "an.nv",
        }
        invalid = await client.get("/items/x")
        assert invalid.status_code == 422
        assert invalid.json()["detail"].startswith("path.n:")
        missing = await client.get("/nothing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        boom = await client.get("/boom")
        assert boom.status_code == 500
        assert "secret internals" not in boom.text
        openapi = (await client.get("/openapi.json")).json()
        assert "409" in openapi["paths"]["/locked"]["get"]["responses"]


def test_problems_merges_errors_sharing_a_status():
    class Other(AppError):
        status = 409
        title = "Other conflict"

    declared = problems(DocumentLocked, Other)
    assert list(declared) == [409]
    assert declared[409]["description"] == "Document is locked; Other conflict"


@pytest.fixture
def keys():
    return {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("k1", "k2")}


def jwks_of(keys, kids):
    from jwt.algorithms import RSAAlgorithm

    out = []
    for kid in kids:
        jwk = RSAAlgorithm.to_jwk(keys[kid].public_key(), as_dict=True)
        out.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
    return {"keys": out}


def token(keys, kid, **claims):
    now = int(time.time())
    body = {"sub": "user-1", "iss": "https://id.test", "aud": "egov", "iat": now, "exp": now + 300} | claims
    return jwt.encode(body, keys[kid], algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})


async def test_jwks_verifier_caches_and_follows_rotation(keys):
    published = {"kids": ["k1"]}
    fetches = []

    def identity_service(request: httpx.Request) -> httpx.Response:
        fetches.append(request.url.path)
        return httpx.Response(200, json=jwks_of(keys, published["kids"]))

    async with httpx.AsyncClient(transport=httpx.MockTransport(identity_service)) as http:
        verifier = JwksVerifier(
            jwks_url="https://id.test/.well-known/jwks.json",
            issuer="https://id.test",
            audience="egov",
            http=http,
            min_refetch_seconds=0,
        )
        assert (await verifier.verify(token(keys, "k1")))["sub"] == "user-1"
        assert (await verifier.verify(token(keys, "k1")))["sub"] == "user-1"
        assert len(fetches) == 1  # cached

        published["kids"] = ["k1", "k2"]  # identity rotated its key
        assert (await verifier.verify(token(keys, "k2")))["sub"] == "user-1"
        assert len(fetches) == 2

        with pytest.raises(Unauthorized, match="expired"):
            await verifier.verify(token(keys, "k1", exp=int(time.time()) - 3600))
        with pytest.raises(Unauthorized, match="not valid"):
            await verifier.verify(token(keys, "k1", aud="someone-else"))
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify(_with_kid(keys, "k9"))
        with pytest.raises(Unauthorized, match="not a JWT"):
            await verifier.verify("not-a-token")
        id_token = jwt.encode(
            jwt.decode(token(keys, "k1"), options={"verify_signature": False}),
            keys["k1"],
            algorithm="RS256",
            headers={"kid": "k1", "typ": "JWT"},
        )
        with pytest.raises(Unauthorized, match="not an access token"):
            await verifier.verify(id_token)  # signed by identity's key, but not an access token (RFC 9068)
        hs256 = jwt.encode(
            {"sub": "x"},
            "the public key, used as an HMAC secret by a forger",
            algorithm="HS256",
            headers={"kid": "k1"},
        )
        with pytest.raises(Unauthorized, match="not valid"):
            await verifier.verify(hs256)  # the key's algorithm decides, never the token's header


def _with_kid(keys, kid):
    now = int(time.time())
    return jwt.encode(
        {"sub": "x", "iss": "https://id.test", "aud": "egov", "iat": now, "exp": now + 60},
        keys["k1"],
        algorithm="RS256",
        headers={"kid": kid},
    )


async def test_forged_key_ids_do_not_flood_the_identity_service(keys):
    fetches = []

    def identity_service(request: httpx.Request) -> httpx.Response:
        fetches.append(1)
        return httpx.Response(200, json=jwks_of(keys, ["k1"]))

    async with httpx.AsyncClient(transport=httpx.MockTransport(identity_service)) as http:
        verifier = JwksVerifier(
            jwks_url="https://id.test/jwks",
            issuer="https://id.test",
            audience="egov",
            http=http,
            min_refetch_seconds=60,
        )
        for n in range(20):
            with pytest.raises(Unauthorized):
                await verifier.verify(_with_kid(keys, f"forged-{n}"))
        assert len(fetches) == 1  # the first load; forced refetches wait min_refetch_seconds


def test_a_hash_chain_shows_an_edit_a_removal_and_a_cut(tmp_path):
    import asyncio
    from dataclasses import dataclass, replace
    from datetime import UTC, datetime

    from kit_core import hashchain

    @dataclass(frozen=True)
    class Row:
        id: int
        prev_hash: str
        hash: str
        note: str
        at: datetime

    def content(row: Row) -> dict[str, object]:
        return {"note": row.note, "at": row.at}

    rows: list[Row] = []
    prev = hashchain.GENESIS
    for i, note in enumerate(["Đã đến", "Đã tiếp nhận", "Hoàn thành"], start=1):
        at = datetime(2026, 11, 27, 8, i, tzinfo=UTC)
        h = hashchain.chain_hash(prev, {"note": note, "at": at})
        rows.append(Row(i, prev, h, note, at))
        prev = h
    # The canonical form: sorted keys, no spaces, UTF-8, times as ISO 8601 UTC with microseconds.
    assert hashchain.canonical({"b": 1, "a": rows[0].at, "c": "Đ"}) == (
        '{"a":"2026-11-27T08:01:00.000000+00:00","b":1,"c":"Đ"}'.encode()
    )

    def check(log: list[Row], head: Row) -> hashchain.ChainReport:
        async def batch_after(last: int) -> list[Row]:
            return [r for r in log if r.id > last][:2]

        return asyncio.run(hashchain.verify(batch_after, content, head_last_id=head.id, head_hash=head.hash))

    assert check(rows, rows[-1]).intact
    assert check(rows, rows[-1]).entries == 3
    edited = [rows[0], replace(rows[1], note="Từ chối"), rows[2]]
    assert check(edited, rows[-1]).broken_at == 2
    removed = [rows[0], rows[2]]
    assert check(removed, rows[-1]).broken_at == 3
    cut = check(rows[:2], rows[-1])
    assert cut.broken_at is None
    assert "cut off" in (cut.reason or "")
