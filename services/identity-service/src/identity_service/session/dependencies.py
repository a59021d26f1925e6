"""Who is calling: the bearer access token, verified against this service's own keys and clock,
and its session still live (so logout and disabling take effect here at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.jwks.service import jwks as jwks_service
from identity_service.models import Role
from kit_core import Forbidden
from kit_db import SessionDep

from .exceptions import SessionEnded
from .repository import SessionRepository

bearer = HTTPBearer(auto_error=False, description="an access token from POST /api/v1/auth/login/verify")


@dataclass(frozen=True)
class Principal:
    user_id: UUID
    session_id: UUID
    agency_id: UUID
    agency_code: str
    roles: frozenset[str]
    amr: tuple[str, ...]

    @property
    def is_system_admin(self) -> bool:
        return Role.SYSTEM_ADMIN in self.roles

    @property
    def is_agency_admin(self) -> bool:
        return Role.AGENCY_ADMIN in self.roles


async def current_principal(
    session: SessionDep,
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise InvalidToken("Cần đăng nhập: thiếu access token (Authorization: Bearer …).")
    claims = await jwks_service.verify(session, ctx, credentials.credentials)
    try:
        principal = Principal(
            user_id=UUID(claims["sub"]),
            session_id=UUID(claims["sid"]),
            agency_id=UUID(claims["agency_id"]),
            agency_code=str(claims["agency_code"]),
            roles=frozenset(claims.get("roles") or ()),
            amr=tuple(claims.get("amr") or ()),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(f"Token thiếu hoặc sai thông tin: {exc}") from exc
    login = await SessionRepository(session).get(principal.session_id)
    if login is None or login.revoked_at is not None or login.user_id != principal.user_id:
        raise SessionEnded("Phiên đăng nhập đã kết thúc; hãy đăng nhập lại.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def admin_principal(principal: CurrentPrincipal) -> Principal:
    if not (principal.is_system_admin or principal.is_agency_admin):
        raise Forbidden("Chỉ quản trị hệ thống hoặc quản trị đơn vị được làm việc này.")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
