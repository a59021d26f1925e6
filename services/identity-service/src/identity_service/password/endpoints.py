from fastapi import APIRouter, Response, status

from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.session.dependencies import CurrentPrincipal
from identity_service.session.exceptions import SessionEnded
from identity_service.user.service import user as user_service
from kit_core import problems
from kit_db import SessionDep

from .exceptions import NoPasswordToChange, ResetTokenInvalid, WeakPassword, WrongPassword
from .schemas import PasswordChange, PasswordResetComplete
from .service import password as password_service

router = APIRouter(prefix="/api/v1/auth/password", tags=["passwords"])


@router.post(
    "/change",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(InvalidToken, SessionEnded, WrongPassword, WeakPassword, NoPasswordToChange),
    summary="Change one's own password (needs the current one); other sessions end",
)
async def change_password(
    data: PasswordChange, principal: CurrentPrincipal, session: SessionDep, ctx: ContextDep
) -> Response:
    me = await user_service.get(session, principal.user_id)
    await password_service.change(  # a WrongPassword is counted as a failure: the edge commits it
        session,
        ctx,
        me,
        current_password=data.current_password,
        new_password=data.new_password,
        keep_session_id=principal.session_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(ResetTokenInvalid, WeakPassword),
    summary="Set a new password with the one-time token from a reset link; every session ends",
)
async def complete_password_reset(
    data: PasswordResetComplete, session: SessionDep, ctx: ContextDep
) -> Response:
    await password_service.complete_reset(session, ctx, data.token, data.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
