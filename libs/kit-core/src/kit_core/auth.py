"""Who is calling and what they may do: every service checks identity-service's access tokens itself.

- ``Principal``: the caller, built from a verified token's claims (``Principal.from_claims``).
- ``CurrentPrincipal``: the FastAPI dependency. It reads ``Authorization: Bearer <token>``,
  verifies it with the ``JwksVerifier`` in the request state (``jwks_verifier``, built in the
  lifespan by ``kit_bus.service.create_service_app``) and answers 401 problem+json with
  ``WWW-Authenticate: Bearer`` when the token is missing (``NotAuthenticated``) or not valid
  (``InvalidToken``, RFC 6750 ``error="invalid_token"``). Using it also puts the bearer security
  scheme into the service's OpenAPI document.
- ``require_roles(*roles)``: a dependency that also demands one of ``roles`` (403 ``MissingRole``,
  naming them). Roles are exact: a system administrator passes only where ``Role.SYSTEM_ADMIN``
  is listed, so a future "leader signs" rule cannot be met by an administrator by accident.
- Roles per agency: ``Principal.may_act_for(agency_id)`` is true for a system administrator anywhere
  and for anyone else only for the agency their token acts for (``agency_id``);
  ``ensure_agency(principal, agency_id, roles=...)`` raises ``OtherAgency`` or ``MissingRole``.
- ``AUTHENTICATION`` and ``AUTHORISATION``: the errors to list in ``responses=problems(...)``.
- Machine clients (identity's OAuth2 client credentials) have no user and no roles: their token
  carries ``client_id``, ``scope`` and ``rate_limit`` (requests per minute). ``require_scopes``
  admits a client holding one of the scopes (or a person with one of the given roles), and
  ``CurrentPrincipal`` holds each client to its rate in this process (429 ``RateLimited`` with
  ``Retry-After``); with N replicas a client gets at most N times its rate.

The token's roles are those the user holds in its acting agency; to act for another agency of
theirs a user switches (identity-service ``POST /api/v1/auth/switch-agency``) and gets a new token.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import AppError, Forbidden, InvalidToken, Unauthorized
from .jwks import JwksVerifier
from .logging import get_logger

VERIFIER_STATE = "jwks_verifier"  # the lifespan state key holding the app's JwksVerifier
log = get_logger(__name__)


class Role(StrEnum):
    """The roles identity-service grants, one set per agency a user belongs to."""

    SYSTEM_ADMIN = "system_admin"  # quản trị hệ thống
    AGENCY_ADMIN = "agency_admin"  # quản trị đơn vị
    CLERK = "clerk"  # văn thư
    LEADER = "leader"  # lãnh đạo
    SPECIALIST = "specialist"  # chuyên viên


class NotAuthenticated(Unauthorized):
    title = "Not authenticated"
    code = "not-authenticated"


class MissingRole(Forbidden):
    """Carries ``required_roles``: the caller needs one of them."""

    title = "Missing role"
    code = "missing-role"


class OtherAgency(Forbidden):
    """Carries ``agency_id``: the agency the request concerns, which the token does not act for."""

    title = "Not the agency the token acts for"
    code = "other-agency"


class MissingScope(Forbidden):
    """Carries ``required_scopes``: a machine client needs one of them."""

    title = "Missing scope"
    code = "missing-scope"


class RateLimited(AppError):
    """A machine client went over the requests per minute its token allows."""

    status = 429
    title = "Too many requests"
    code = "rate-limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


AUTHENTICATION = (NotAuthenticated, InvalidToken, RateLimited)
AUTHORISATION = (MissingRole, OtherAgency)


def _uuid(claims: Mapping[str, Any], name: str) -> UUID | None:
    value = claims.get(name)
    if value is None:
        return None
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidToken(f"the token's {name} claim is not an id") from None


def _positive(claims: Mapping[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidToken(f"the token's {name} claim is not a positive whole number")
    return value


def _strings(claims: Mapping[str, Any], name: str, *, spaced: bool = False) -> tuple[str, ...]:
    value = claims.get(name)
    if value is None:
        return ()
    if spaced and isinstance(value, str):  # RFC 8693 `scope`: space-separated
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidToken(f"the token's {name} claim is not a list of names")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request, as its verified access token describes them."""

    subject: str
    user_id: UUID | None  # the subject as a user id; None for a machine client
    username: str | None
    name: str | None
    agency_id: UUID | None  # the agency the token acts for
    agency_code: str | None
    roles: frozenset[str]  # the roles held in that agency
    amr: tuple[str, ...]
    token_id: str | None
    session_id: UUID | None
    scopes: frozenset[str]  # for machine clients (client credentials), when identity issues them
    expires_at: datetime
    client_id: str | None = None  # a machine client's id; None for a person
    rate_limit: int | None = None  # a machine client's requests per minute

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("the token names no subject")
        try:
            user_id: UUID | None = UUID(subject)
        except ValueError:
            user_id = None
        agency_code = claims.get("agency_code")
        try:
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
        except (KeyError, TypeError, ValueError, OverflowError):
            raise InvalidToken("the token has no valid expiry (exp)") from None
        return cls(
            subject=subject,
            user_id=user_id,
            username=str(claims["preferred_username"]) if claims.get("preferred_username") else None,
            name=str(claims["name"]) if claims.get("name") else None,
            agency_id=_uuid(claims, "agency_id"),
            agency_code=str(agency_code) if agency_code else None,
            roles=frozenset(_strings(claims, "roles")),
            amr=_strings(claims, "amr"),
            token_id=str(claims["jti"]) if claims.get("jti") else None,
            session_id=_uuid(claims, "sid"),
            scopes=frozenset(_strings(claims, "scope", spaced=True) + _strings(claims, "scp")),
            expires_at=expires_at,
            client_id=str(claims["client_id"]) if claims.get("client_id") else None,
            rate_limit=_positive(claims, "rate_limit"),
        )

    @property
    def is_client(self) -> bool:
        return self.client_id is not None and self.user_id is None

    @property
    def is_system_admin(self) -> bool:
        return Role.SYSTEM_ADMIN in self.roles

    def has_role(self, *roles: str) -> bool:
        """True if the token carries at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def may_act_for(self, agency_id: UUID) -> bool:
        """A system administrator acts for any agency; anyone else only for the token's own."""
        return self.is_system_admin or (self.agency_id is not None and self.agency_id == agency_id)

    def describe(self) -> str:
        who = self.username or self.subject
        where = self.agency_code or (str(self.agency_id) if self.agency_id else "no agency")
        roles = ", ".join(sorted(self.roles)) or "no role"
        return f"{who} acting for {where} as {roles}"


def ensure_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_role(*roles):
        raise MissingRole(
            f"this needs one of the roles {', '.join(roles)}; the token is for {principal.describe()}",
            required_roles=list(roles),
        )


def ensure_agency(principal: Principal, agency_id: UUID, *, roles: Iterable[str] = ()) -> None:
    """The caller may act for ``agency_id`` (a system administrator anywhere), with one of ``roles`` if given."""
    if not principal.may_act_for(agency_id):
        raise OtherAgency(
            f"this belongs to agency {agency_id}; the token is for {principal.describe()}. "
            "Switch agency first if you hold a role there.",
            agency_id=agency_id,
        )
    wanted = tuple(roles)
    if wanted:
        ensure_roles(principal, *wanted)


bearer = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An access token from identity-service (POST /api/v1/auth/login, then /login/verify).",
    auto_error=False,
)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None:
        raise NotAuthenticated("sign in first, then send the access token as 'Authorization: Bearer <token>'")
    verifier = getattr(request.state, VERIFIER_STATE, None)
    if not isinstance(verifier, JwksVerifier):
        raise RuntimeError(
            f"no JwksVerifier in the request state ({VERIFIER_STATE!r}): build the app with "
            "kit_bus.service.create_service_app, or yield one from the lifespan"
        )
    try:
        principal = Principal.from_claims(await verifier.verify(credentials.credentials))
    except InvalidToken as exc:
        log.info("auth.token_refused", reason=exc.detail, path=request.url.path)
        raise
    if principal.is_client and principal.rate_limit:
        limiter = getattr(request.app.state, "client_rate", None)
        if limiter is None:
            limiter = request.app.state.client_rate = ClientRate()
        limiter.take(principal.subject, principal.rate_limit)
    return principal


@dataclass
class ClientRate:
    """Requests per client over the last minute in this process (a sliding log per client)."""

    clock: Callable[[], float] = time.monotonic
    seen: dict[str, deque[float]] = field(default_factory=dict)

    def take(self, client: str, per_minute: int) -> None:
        now = self.clock()
        log_ = self.seen.setdefault(client, deque())
        while log_ and log_[0] <= now - 60:
            log_.popleft()
        if len(log_) >= per_minute:
            retry_after = max(1, math.ceil(log_[0] + 60 - now))
            raise RateLimited(
                f"client {client} may make {per_minute} requests a minute; try again in {retry_after} s",
                retry_after=retry_after,
            )
        log_.append(now)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_scopes(*scopes: str, roles: Iterable[str] = ()) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency for endpoints machine clients may call: a client needs one of ``scopes``
    (403 ``MissingScope``); a person needs one of ``roles`` (403 ``MissingRole``; no roles given:
    people are refused, the endpoint is for clients only)."""
    if not scopes:
        raise ValueError("require_scopes needs at least one scope")
    wanted_roles = tuple(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.is_client:
            if principal.scopes.isdisjoint(scopes):
                raise MissingScope(
                    f"this needs one of the scopes {', '.join(scopes)}; client {principal.client_id} has "
                    f"{', '.join(sorted(principal.scopes)) or 'none'}",
                    required_scopes=list(scopes),
                )
            return principal
        if not wanted_roles:
            raise MissingScope(
                "only machine clients call this (OAuth2 client credentials, POST /api/v1/auth/token)",
                required_scopes=list(scopes),
            )
        ensure_roles(principal, *wanted_roles)
        return principal

    dependency.__name__ = "require_scope_" + "_or_".join(s.replace(".", "_") for s in scopes)
    return dependency


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the signed-in caller, who must hold one of ``roles`` (403 ``MissingRole`` otherwise).

    Make it once, at import, and reuse it: ``Admin = Annotated[Principal, Depends(require_roles(...))]``.
    """
    if not roles:
        raise ValueError("require_roles needs at least one role")

    async def dependency(principal: CurrentPrincipal) -> Principal:
        ensure_roles(principal, *roles)
        return principal

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency
