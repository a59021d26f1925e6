"""Test helpers shipped with kit_core, the way httpx ships ``MockTransport``.

``TokenMint`` stands in for identity-service in a service's tests: it holds an Ed25519 key, serves
its JWKS through ``httpx.MockTransport`` and signs access tokens with identity's claims (``iss sub
aud exp iat jti sid preferred_username name agency_id agency_code roles amr``, header ``kid`` and
``typ: at+jwt``), so the service under test verifies real tokens with a real ``JwksVerifier``::

    mint = TokenMint()
    app = create_app(settings, verifier=mint.verifier())
    await client.get("/api/v1/registers", headers=mint.headers(agency_id, ["clerk"]))

Besides good tokens it makes the ones a service must refuse: ``expired``, ``foreign`` (another
key under this mint's ``kid``), ``unknown_key``, ``tampered`` (claims changed after signing),
``unsigned`` (``alg: none``), and ``token(aud=...)`` / ``token(iss=...)`` for the wrong audience or
issuer; ``refused(...)`` gathers them as request headers, by name.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.algorithms import OKPAlgorithm

from .jwks import JwksVerifier


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# The ways a request can fail authentication; ``TokenMint.refused()`` gives the headers for each,
# so tests parametrise over this and cannot forget a case.
REFUSED_CASES: tuple[str, ...] = (
    "missing",
    "not a bearer token",
    "not a JWT",
    "expired",
    "tampered",
    "foreign key",
    "unknown key",
    "unsigned",
    "wrong audience",
    "wrong issuer",
)


class TokenMint:
    def __init__(
        self,
        *,
        issuer: str = "https://identity.test",
        audience: str = "egov",
        ttl_seconds: int = 600,
        jwks_path: str = "/.well-known/jwks.json",
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.jwks_url = issuer.rstrip("/") + jwks_path
        self.kid = uuid4().hex
        self._key = ed25519.Ed25519PrivateKey.generate()
        self.fetches = 0  # JWKS requests served

    @property
    def jwks(self) -> dict[str, Any]:
        public: dict[str, Any] = OKPAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [public | {"kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def transport(self) -> httpx.MockTransport:
        """Answers GET of the JWKS URL with this mint's public key, anything else with 404."""

        def identity(request: httpx.Request) -> httpx.Response:
            if request.method == "GET" and str(request.url) == self.jwks_url:
                self.fetches += 1
                return httpx.Response(200, json=self.jwks)
            return httpx.Response(404)

        return httpx.MockTransport(identity)

    def verifier(self, **options: Any) -> JwksVerifier:
        """A verifier trusting this mint (its own HTTP client on ``transport()``; nothing to close)."""
        return JwksVerifier(
            jwks_url=self.jwks_url,
            issuer=self.issuer,
            audience=self.audience,
            http=httpx.AsyncClient(transport=self.transport()),
            **options,
        )

    def claims(
        self,
        agency_id: UUID | str | None = None,
        roles: Iterable[str] = (),
        *,
        user_id: UUID | str | None = None,
        agency_code: str = "000.00.00.T99",
        username: str | None = None,
        name: str = "Người Dùng Thử",
        amr: Iterable[str] = ("pwd", "otp"),
        issued_at: int | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Identity's claims for a user acting for ``agency_id`` with ``roles``; ``overrides`` win."""
        now = int(time.time()) if issued_at is None else issued_at
        subject = str(user_id or uuid4())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": str(uuid4()),
            "sid": str(uuid4()),
            "preferred_username": username or f"user.{subject[:8]}",
            "name": name,
            "agency_id": str(agency_id or uuid4()),
            "agency_code": agency_code,
            "roles": list(roles),
            "amr": list(amr),
        }
        return body | overrides

    def client_claims(
        self,
        agency_id: UUID | str | None = None,
        scopes: Iterable[str] = (),
        *,
        client_id: str = "cli_thu_nghiem",
        rate_limit: int | None = 600,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Identity's claims for a machine client (client credentials): no user, no roles, scopes."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": f"client:{client_id}",
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": str(uuid4()),
            "client_id": client_id,
            "agency_id": str(agency_id or uuid4()),
            "agency_code": "000.00.00.T99",
            "scope": " ".join(scopes),
            "roles": [],
        }
        if rate_limit is not None:
            body["rate_limit"] = rate_limit
        return body | overrides

    def client_headers(
        self, agency_id: UUID | str | None = None, scopes: Iterable[str] = (), **claims: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sign(self.client_claims(agency_id, scopes, **claims))}"}

    def sign(
        self, claims: dict[str, Any], *, key: ed25519.Ed25519PrivateKey | None = None, kid: str | None = None
    ) -> str:
        return jwt.encode(
            claims, key or self._key, algorithm="EdDSA", headers={"kid": kid or self.kid, "typ": "at+jwt"}
        )

    def token(self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any) -> str:
        return self.sign(self.claims(agency_id, roles, **claims))

    def headers(
        self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(agency_id, roles, **claims)}"}

    def expired(self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any) -> str:
        """Issued two hours ago, expired an hour ago: far beyond any verifier's leeway."""
        issued = int(time.time()) - 7200
        return self.sign(self.claims(agency_id, roles, issued_at=issued, **{"exp": issued + 3600} | claims))

    def foreign(self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any) -> str:
        """Signed by a key this mint never published, under this mint's kid (a forgery)."""
        return self.sign(self.claims(agency_id, roles, **claims), key=ed25519.Ed25519PrivateKey.generate())

    def unknown_key(
        self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any
    ) -> str:
        """Signed by another key under a kid the JWKS does not list."""
        return self.sign(
            self.claims(agency_id, roles, **claims), key=ed25519.Ed25519PrivateKey.generate(), kid="not-ours"
        )

    def tampered(self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any) -> str:
        """A good token whose payload was then changed (roles raised to system_admin), signature kept."""
        header, _, signature = self.token(agency_id, roles, **claims).split(".")
        raised = self.claims(agency_id, roles, **claims) | {"roles": ["system_admin"]}
        return f"{header}.{_b64(raised)}.{signature}"

    def unsigned(self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any) -> str:
        """``alg: none`` under this mint's kid, no signature."""
        header = {"alg": "none", "kid": self.kid, "typ": "at+jwt"}
        return f"{_b64(header)}.{_b64(self.claims(agency_id, roles, **claims))}."

    def refused(
        self, agency_id: UUID | str | None = None, roles: Iterable[str] = (), **claims: Any
    ) -> dict[str, dict[str, str]]:
        """Request headers a service must answer with 401, by case; each would otherwise be allowed."""

        def bearer(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        return {
            "missing": {},
            "not a bearer token": {"Authorization": "Basic dmFudGh1Om1hdGtoYXU="},
            "not a JWT": bearer("not-a-token"),
            "expired": bearer(self.expired(agency_id, roles, **claims)),
            "tampered": bearer(self.tampered(agency_id, roles, **claims)),
            "foreign key": bearer(self.foreign(agency_id, roles, **claims)),
            "unknown key": bearer(self.unknown_key(agency_id, roles, **claims)),
            "unsigned": bearer(self.unsigned(agency_id, roles, **claims)),
            "wrong audience": bearer(self.token(agency_id, roles, **{"aud": "another-system"} | claims)),
            "wrong issuer": bearer(self.token(agency_id, roles, **{"iss": "https://evil.test"} | claims)),
        }
