"""Verify access tokens issued by identity-service, with its JWKS fetched and cached.

Keys are cached for ``cache_seconds``; a token with an unknown ``kid`` triggers one refetch (at
most once per ``min_refetch_seconds``), so key rotation needs no restart and a flood of forged
``kid`` values cannot turn into a flood of requests to the identity service.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt

from .errors import ServiceUnavailable, Unauthorized


class JwksVerifier:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        http: httpx.AsyncClient,
        algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA"),
        cache_seconds: float = 300.0,
        min_refetch_seconds: float = 10.0,
        leeway_seconds: float = 30.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.http = http
        self.algorithms = list(algorithms)
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self.leeway_seconds = leeway_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if (not force and age < self.cache_seconds) or (force and age < self.min_refetch_seconds):
                return
            try:
                response = await self.http.get(self.jwks_url, timeout=5.0)
                response.raise_for_status()
                key_set = jwt.PyJWKSet.from_dict(response.json())
            except (httpx.HTTPError, jwt.PyJWKSetError, ValueError) as exc:
                if not self._keys:
                    raise ServiceUnavailable(
                        f"cannot fetch signing keys from {self.jwks_url}: {exc}"
                    ) from exc
                return  # keep serving with the keys we have
            self._keys = {k.key_id: k for k in key_set.keys if k.key_id}
            self._fetched_at = time.monotonic()

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("the bearer token is not a JWT") from exc
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("the token names no signing key (kid)")
        await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("the token was signed with an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired; sign in again") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token is not valid: {exc}") from exc
        return claims
