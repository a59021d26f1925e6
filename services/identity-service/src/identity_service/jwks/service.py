"""Signing keys and access tokens.

Keys live in the database (private halves sealed with the settings key). The newest unretired key
signs; ``rotate`` retires it and makes a new one; a retired key stays in the JWKS until every token
it signed has expired (retired_at + access-token lifetime + verifiers' leeway), after which ``prune``
may delete it. ``kid`` is the key's RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.audit.service import audit as audit_service
from identity_service.crypto import seal, unseal
from identity_service.dependencies import Context

from .exceptions import InvalidToken
from .repository import SigningKeyRepository

# RFC 7638 §3.2: the members that make up each key type's thumbprint.
_THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}


def thumbprint(jwk: dict[str, Any]) -> str:
    members = {k: jwk[k] for k in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _public_jwk(private: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return jwk


class JwksService:
    def _retention(self, ctx: Context) -> timedelta:
        return timedelta(seconds=ctx.settings.access_token_ttl_seconds + ctx.settings.token_leeway_seconds)

    async def create_key(self, session: AsyncSession, ctx: Context) -> models.SigningKey:
        algorithm = ctx.settings.signing_algorithm
        private: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey = (
            ed25519.Ed25519PrivateKey.generate()
            if algorithm == "EdDSA"
            else ec.generate_private_key(ec.SECP256R1())
        )
        public = _public_jwk(private)
        kid = thumbprint(public)
        der = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        key = models.SigningKey(
            kid=kid,
            algorithm=algorithm,
            public_jwk=public | {"kid": kid, "use": "sig", "alg": algorithm},
            private_key_sealed=seal(
                ctx.settings.encryption_key.get_secret_value(), der, context=f"signing-key:{kid}"
            ),
            created_at=ctx.now(),
        )
        return await SigningKeyRepository(session).add(key)

    async def current(self, session: AsyncSession, ctx: Context) -> models.SigningKey:
        # The first token ever signed makes the first key; two racing ones may make two, both valid.
        return await SigningKeyRepository(session).current() or await self.create_key(session, ctx)

    async def rotate(self, session: AsyncSession, ctx: Context) -> models.SigningKey:
        retired = await SigningKeyRepository(session).retire_all(at=ctx.now())
        key = await self.create_key(session, ctx)
        await audit_service.record(
            session,
            ctx,
            "key.rotated",
            kid=key.kid,
            retired=retired,
            published_until=ctx.now() + self._retention(ctx),
        )
        return key

    async def prune(self, session: AsyncSession, ctx: Context) -> list[str]:
        deleted = await SigningKeyRepository(session).delete_retired_before(ctx.now() - self._retention(ctx))
        if deleted:
            await audit_service.record(session, ctx, "key.pruned", kids=deleted)
        return deleted

    async def published(self, session: AsyncSession, ctx: Context) -> Sequence[models.SigningKey]:
        await self.current(session, ctx)  # a verifier that asks before the first login gets a key too
        return await SigningKeyRepository(session).published(retired_after=ctx.now() - self._retention(ctx))

    def jwks(self, keys: Sequence[models.SigningKey]) -> dict[str, Any]:
        return {"keys": [dict(key.public_jwk) for key in keys]}

    async def sign(self, session: AsyncSession, ctx: Context, claims: dict[str, Any]) -> str:
        key = await self.current(session, ctx)
        der = unseal(
            ctx.settings.encryption_key.get_secret_value(),
            key.private_key_sealed,
            context=f"signing-key:{key.kid}",
        )
        private = serialization.load_der_private_key(der, password=None)
        return jwt.encode(claims, private, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "at+jwt"})  # type: ignore[arg-type]

    async def verify(self, session: AsyncSession, ctx: Context, token: str) -> dict[str, Any]:
        """Check a token as any service would (signature, kid, issuer, audience, expiry), but against
        the keys in this database and this service's clock."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise InvalidToken("Bearer token không phải là JWT.") from exc
        key = await SigningKeyRepository(session).by_kid(kid) if isinstance(kid, str) else None
        now, leeway = ctx.now(), ctx.settings.token_leeway_seconds
        if key is None or (key.retired_at is not None and key.retired_at + self._retention(ctx) < now):
            raise InvalidToken("Token được ký bằng khóa không xác định.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=jwt.PyJWK(key.public_jwk).key,
                algorithms=[key.algorithm],
                audience=ctx.settings.jwt_audience,
                issuer=ctx.settings.jwt_issuer,
                options={
                    "require": ["exp", "iat", "sub", "jti", "sid"],
                    "verify_exp": False,  # checked below against the injected clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"Token không hợp lệ: {exc}") from exc
        if int(claims["exp"]) + leeway < now.timestamp():
            raise InvalidToken("Token đã hết hạn; hãy làm mới (refresh) hoặc đăng nhập lại.")
        if int(claims["iat"]) - leeway > now.timestamp():
            raise InvalidToken("Token được phát hành ở thời điểm trong tương lai.")
        return claims


jwks = JwksService()
