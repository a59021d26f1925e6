"""Verify access tokens issued by identity-service, with its JWKS fetched and cached.

Keys are cached for ``cache_seconds``; a token with an unknown ``kid`` triggers one refetch (at
most once per ``min_refetch_seconds``), so key rotation needs no restart and a flood of forged
``kid`` values cannot turn into a flood of requests to the identity service.

A token is checked as RFC 9068 asks of a resource server: signature by a published key, with the
algorithm that key is for (never one the token picks), issuer, audience, expiry, and ``typ``
``at+jwt`` (so an ID token or some other JWT signed by the same keys is not taken for access).
Every refusal is ``InvalidToken`` (401, ``WWW-Authenticate: Bearer error="invalid_token"``); keys
that cannot be fetched at all are ``ServiceUnavailable`` (503).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt

from .errors import InvalidToken, ServiceUnavailable


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
        token_type: str | None = "at+jwt",  # noqa: S107 - the JWT typ of access tokens, not a secret
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.http = http
        self.algorithms = list(algorithms)
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self.leeway_seconds = leeway_seconds
        self.token_type = token_type
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
            raise InvalidToken("the bearer token is not a JWT") from exc
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no signing key (kid)")
        await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("the token was signed with an unknown key")
        if key.algorithm_name not in self.algorithms:
            raise InvalidToken(f"the token's key is for {key.algorithm_name}, which is not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired; sign in again") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from exc
        typ = str(header.get("typ", "")).lower().removeprefix("application/")
        if self.token_type is not None and typ != self.token_type:
            raise InvalidToken(f"the token is not valid: it is not an access token (typ {self.token_type})")
        return claims
