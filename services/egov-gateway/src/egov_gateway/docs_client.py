"""docs-service's file contents, reached over HTTP as a service client (never through its volume).

- ``TokenSource``: an access token from identity-service by the client-credentials grant (scope
  ``exchange.files``), cached until shortly before it expires, fetched again once when docs answers 401.
- ``DocsClient.fetch(sha256)``: the bytes with that digest (checked: what arrives must hash to it).
- ``DocsClient.store(name, content_type, data)``: stores the bytes (docs sniffs and may refuse them);
  returns the digest docs reports, which must be the SHA-256 of ``data``.

``DocsUnavailable`` (network, 5xx, 429, credentials that do not work yet) is worth trying again later;
``DocsRefused`` (unknown digest, content refused, a digest that does not match) is final.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from typing import ClassVar, Final, Self

import httpx

from kit_core import AppError, get_logger

from .config import Settings

log = get_logger(__name__)

SCOPE: Final = "exchange.files"
BLOBS: Final = "/api/v1/exchange/blobs"
GRANT_PATH: Final = "/api/v1/auth/token"
EXPIRY_MARGIN: Final = 30.0  # seconds before expiry a cached token is no longer used


class DocsError(AppError):
    status: ClassVar[int] = 502
    title: ClassVar[str] = "docs-service error"
    code: ClassVar[str] = "docs-error"


class DocsUnavailable(DocsError):
    """docs-service or identity-service cannot be reached or cannot serve now: try again later."""

    status: ClassVar[int] = 503
    title: ClassVar[str] = "docs-service unavailable"
    code: ClassVar[str] = "docs-unavailable"


class DocsRefused(DocsError):
    """docs-service answered that this cannot be done (unknown content, refused content, wrong digest)."""

    title: ClassVar[str] = "Refused by docs-service"
    code: ClassVar[str] = "docs-refused"


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("error_description") or body.get("title") or body.get("error")
        return f"HTTP {response.status_code}: {detail}" if detail else f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}"


class TokenSource:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        scope: str = SCOPE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http, self._client_id, self._secret, self._scope = http, client_id, client_secret, scope
        self._monotonic = monotonic
        self._token: str | None = None
        self._valid_until = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0  # tokens obtained (tests and metrics)

    def invalidate(self, token: str) -> None:
        if self._token == token:
            self._token = None

    async def get(self) -> str:
        async with self._lock:
            if self._token is not None and self._monotonic() < self._valid_until:
                return self._token
            try:
                response = await self._http.post(
                    GRANT_PATH,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self._client_id,
                        "client_secret": self._secret,
                        "scope": self._scope,
                    },
                )
            except httpx.HTTPError as exc:
                raise DocsUnavailable(f"identity-service cannot be reached for a token: {exc!r}") from exc
            if response.status_code != 200:
                # Wrong or not yet ensured credentials are an operator's fix, not the content's fault.
                raise DocsUnavailable(
                    f"identity-service gave no token to client {self._client_id}: {_reason(response)}"
                )
            body = response.json()
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 60))
            self._valid_until = self._monotonic() + max(lifetime - EXPIRY_MARGIN, lifetime / 2)
            self.fetched += 1
            return self._token


class DocsClient:
    def __init__(
        self,
        *,
        docs_url: str,
        identity_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 30.0,
        max_bytes: int = 50 * 1024 * 1024,
        docs_transport: httpx.AsyncBaseTransport | None = None,
        identity_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._docs = httpx.AsyncClient(base_url=docs_url, timeout=timeout, transport=docs_transport)
        self._identity = httpx.AsyncClient(
            base_url=identity_url, timeout=timeout, transport=identity_transport
        )
        self.tokens = TokenSource(self._identity, client_id=client_id, client_secret=client_secret)
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        docs_transport: httpx.AsyncBaseTransport | None = None,
        identity_transport: httpx.AsyncBaseTransport | None = None,
    ) -> DocsClient:
        return cls(
            docs_url=settings.docs_url,
            identity_url=settings.identity_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            timeout=settings.docs_timeout_seconds,
            max_bytes=settings.max_package_bytes,
            docs_transport=docs_transport,
            identity_transport=identity_transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._docs.aclose()
        await self._identity.aclose()

    async def _send(self, build: Callable[[str], httpx.Request]) -> httpx.Response:
        """One request with a token; a 401 fetches a new token and tries once more."""
        for attempt in (1, 2):
            token = await self.tokens.get()
            try:
                response = await self._docs.send(build(token), stream=True)
            except httpx.HTTPError as exc:
                raise DocsUnavailable(f"docs-service cannot be reached: {exc!r}") from exc
            if response.status_code == 401 and attempt == 1:
                await response.aclose()
                self.tokens.invalidate(token)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _fail(response: httpx.Response, what: str) -> DocsError:
        reason = _reason(response)
        if response.status_code in (401, 403, 408, 429) or response.status_code >= 500:
            return DocsUnavailable(f"{what}: docs-service answered {reason}")
        return DocsRefused(f"{what}: docs-service answered {reason}", http_status=response.status_code)

    async def fetch(self, sha256: str) -> bytes:
        """The content with this digest, read up to ``max_bytes`` and checked against the digest."""
        digest = sha256.lower()
        response = await self._send(
            lambda token: self._docs.build_request(
                "GET", f"{BLOBS}/{digest}", headers={"Authorization": f"Bearer {token}"}
            )
        )
        try:
            if response.status_code != 200:
                await response.aread()
                raise self._fail(response, f"file {digest}")
            hasher, chunks, size = hashlib.sha256(), [], 0
            try:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise DocsRefused(f"file {digest} is larger than {self.max_bytes} bytes")
                    hasher.update(chunk)
                    chunks.append(chunk)
            except httpx.HTTPError as exc:
                raise DocsUnavailable(f"file {digest}: the download broke off: {exc!r}") from exc
        finally:
            await response.aclose()
        if hasher.hexdigest() != digest:
            raise DocsRefused(
                f"file {digest}: docs-service sent content whose SHA-256 is {hasher.hexdigest()}"
            )
        return b"".join(chunks)

    async def store(self, name: str, content_type: str, data: bytes) -> str:
        """Store the bytes in docs-service; the digest it reports (= SHA-256 of ``data``)."""
        expected = hashlib.sha256(data).hexdigest()
        response = await self._send(
            lambda token: self._docs.build_request(
                "POST",
                BLOBS,
                headers={"Authorization": f"Bearer {token}"},
                files={"file": (name, data, content_type)},
            )
        )
        try:
            await response.aread()
        except httpx.HTTPError as exc:
            raise DocsUnavailable(f"storing {name!r}: the answer broke off: {exc!r}") from exc
        finally:
            await response.aclose()
        if response.status_code not in (200, 201):
            raise self._fail(response, f"storing {name!r}")
        digest = str(response.json().get("sha256", ""))
        if digest != expected:
            raise DocsRefused(
                f"storing {name!r}: docs-service reports SHA-256 {digest}, the bytes have {expected}"
            )
        return digest
