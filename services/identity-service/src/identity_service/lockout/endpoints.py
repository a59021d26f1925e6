from uuid import UUID

from fastapi import APIRouter

from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.session.dependencies import AdminPrincipal
from identity_service.session.exceptions import SessionEnded
from identity_service.user.exceptions import NotAllowed, UserNotFound
from identity_service.user.service import user as user_service
from kit_core import Forbidden, problems
from kit_db import SessionDep

from .schemas import Lockout
from .service import lockout as lockout_service

router = APIRouter(prefix="/api/v1/users", tags=["lockouts"])
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
