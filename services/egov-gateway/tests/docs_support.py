"""A real docs-service app in process (its own database and blob folder) for the gateway to fetch and
store file contents, and the client-credentials grant of identity-service answered with tokens that
docs' verifier trusts (signed by the same TokenMint)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import httpx

from docs_service import MIGRATIONS as DOCS_MIGRATIONS
from docs_service.app import create_app as create_docs
from docs_service.config import Settings as DocsSettings
from kit_bus.testing import ServiceUnderTest, service_under_test
from kit_core.settings import DEV_SECRET_VALUE
from kit_core.testing import TokenMint

CLIENT_ID = "egov-gateway"
CLIENT_SECRET = DEV_SECRET_VALUE  # egov's test settings keep the development default
SCOPE = "exchange.files"
# The main file of every outgoing test document (a PDF docs-service accepts), stored in docs at start.
MAIN_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"% C\xc3\xb4ng v\xc4\x83n 125/UBND-VP\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
MAIN_SHA256 = hashlib.sha256(MAIN_PDF).hexdigest()


class IdentityTokens(httpx.AsyncBaseTransport):
    """``POST /api/v1/auth/token`` (client credentials) as identity-service answers it, for the one
    service client; anything else, or wrong credentials, as identity refuses it."""

    def __init__(self, mint: TokenMint, *, ttl: int = 600) -> None:
        self.mint, self.ttl = mint, ttl
        self.issued = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or request.url.path != "/api/v1/auth/token":
            return httpx.Response(404, json={"title": "Not found"})
        form = {k: v[0] for k, v in parse_qs((await request.aread()).decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return httpx.Response(401, json={"error": "invalid_client"})
        if form.get("scope", SCOPE) != SCOPE:
            return httpx.Response(400, json={"error": "invalid_scope"})
        self.issued += 1
        claims = self.mint.client_claims(scopes=[SCOPE], client_id=CLIENT_ID, agency_id=None)
        claims["exp"] = claims["iat"] + self.ttl
        return httpx.Response(
            200, json={"access_token": self.mint.sign(claims), "token_type": "Bearer", "expires_in": self.ttl}
        )


class Outage(httpx.AsyncBaseTransport):
    """docs-service behind a network that can go down (connection refused) or answer 503."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.mode: str | None = None  # None: up; "refused" or "503"
        self.failed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.mode == "refused":
            self.failed += 1
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "503":
            self.failed += 1
            return httpx.Response(503, json={"title": "Service unavailable"})
        return await self.inner.handle_async_request(request)


@dataclass
class RunningDocs:
    service: ServiceUnderTest
    transport: Outage
    identity: IdentityTokens
    folder: Path
    _machine: httpx.AsyncClient | None = field(default=None)

    @property
    def machine(self) -> httpx.AsyncClient:
        """docs' exchange API as the gateway's service client (straight, never through the outage)."""
        if self._machine is None:
            self._machine = self.service.client_for()
            self._machine.headers.update(
                self.service.mint.client_headers(scopes=[SCOPE], client_id=CLIENT_ID)
            )
        return self._machine

    async def store(self, name: str, data: bytes) -> str:
        response = await self.machine.post("/api/v1/exchange/blobs", files={"file": (name, data)})
        assert response.status_code in (200, 201), response.text
        digest: str = response.json()["sha256"]
        return digest

    def has(self, sha256: str) -> bytes | None:
        """The bytes docs keeps under this digest, read from its blob folder (test-side only)."""
        path = self.folder / "blobs" / sha256[:2] / sha256[2:4] / sha256
        return path.read_bytes() if path.is_file() else None


@contextlib.asynccontextmanager
async def docs_in_process(dialect: str, folder: Path) -> AsyncIterator[RunningDocs]:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    mint = TokenMint()
    async with service_under_test(
        lambda url, bus, verifier: create_docs(
            DocsSettings(
                database_url=url,
                env="test",
                blob_dir=folder / "blobs",
                signing_dir=folder / "signing",
                signature_stamps=False,
            ),
            bus=bus,
            verifier=verifier,
            run_workers=False,
        ),
        migrations=DOCS_MIGRATIONS,
        dialect=dialect,
        name="docs",
        folder=folder,
        mint=mint,
    ) as service:
        running = RunningDocs(
            service=service,
            transport=Outage(service.client._transport),
            identity=IdentityTokens(mint),
            folder=folder,
        )
        assert await running.store("Công văn 125-UBND-VP.pdf", MAIN_PDF) == MAIN_SHA256
        yield running
