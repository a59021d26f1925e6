from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.session.dependencies import AdminPrincipal, Principal
from identity_service.session.exceptions import SessionEnded
from identity_service.user.exceptions import NotAllowed, UserNotFound
from identity_service.user.service import user as user_service
from kit_core import Forbidden, problems
from kit_db import SessionDep

from .schemas import IpBlock, Lockout
from .service import ip_limit
from .service import lockout as lockout_service

router = APIRouter(prefix="/api/v1/users", tags=["lockouts"])
ip_router = APIRouter(prefix="/api/v1/auth/ip-blocks", tags=["lockouts"])
ERRORS = problems(InvalidToken, SessionEnded, Forbidden, NotAllowed, UserNotFound)


@router.get("/{user_id}/lockout", response_model=Lockout, responses=ERRORS)
async def get_lockout(user_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep) -> Lockout:
    user = await user_service.manageable(session, user_id, actor=admin)
    return await lockout_service.state(session, ctx, user)


@router.delete(
    "/{user_id}/lockout",
    response_model=Lockout,
    responses=ERRORS,
    summary="Lift the lock and forget recent failures (the sliding window starts again)",
)
async def clear_lockout(
    user_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> Lockout:
    user = await user_service.manageable(session, user_id, actor=admin)
    await lockout_service.clear(session, ctx, user, actor_id=admin.user_id)
    return await lockout_service.state(session, ctx, user)


def _system_admin(admin: Principal) -> None:
    if not admin.is_system_admin:
        raise NotAllowed(
            "Chỉ quản trị hệ thống xem và gỡ chặn địa chỉ mạng (địa chỉ không thuộc riêng đơn vị nào)."
        )


@ip_router.get(
    "",
    response_model=list[IpBlock],
    responses=ERRORS,
    summary="Client addresses that used up the per-IP login window (system administrators)",
)
async def list_ip_blocks(
    admin: AdminPrincipal,
    session: SessionDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[IpBlock]:
    _system_admin(admin)
    return await ip_limit.blocked(session, ctx, limit=limit)


@ip_router.delete(
    "/{ip}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
    summary="Forget an address's failed logins, so it may try again at once (audited)",
)
async def clear_ip_block(
    ip: Annotated[str, Path(max_length=45)], admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> None:
    _system_admin(admin)
    await ip_limit.clear(session, ctx, ip, actor_id=admin.user_id)
