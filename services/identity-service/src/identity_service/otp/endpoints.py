from fastapi import APIRouter, Response, status

from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.session.dependencies import CurrentPrincipal
from identity_service.session.exceptions import SessionEnded
from identity_service.user.service import user as user_service
from kit_core import problems
from kit_db import SessionDep

from .exceptions import NoPendingEnrolment, WrongCode
from .schemas import BackupCodes, Factors, TotpConfirm, TotpEnrolment
from .service import backup_codes as backup_code_service
from .service import factors as factor_service
from .service import totp as totp_service

router = APIRouter(prefix="/api/v1/auth", tags=["second factors"])


@router.get("/factors", response_model=Factors, responses=problems(InvalidToken, SessionEnded))
async def my_factors(principal: CurrentPrincipal, session: SessionDep) -> Factors:
    me = await user_service.get(session, principal.user_id)
    return await factor_service.of(session, me)


@router.post(
    "/totp",
    response_model=TotpEnrolment,
    responses=problems(InvalidToken, SessionEnded),
    summary="Set up a new authenticator app; the current one works until the new one is confirmed",
)
async def start_totp(principal: CurrentPrincipal, session: SessionDep, ctx: ContextDep) -> TotpEnrolment:
    me = await user_service.get(session, principal.user_id)
    return await totp_service.enrol(session, ctx, me)


@router.post(
    "/totp/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(InvalidToken, SessionEnded, NoPendingEnrolment, WrongCode),
)
async def confirm_totp(
    data: TotpConfirm, principal: CurrentPrincipal, session: SessionDep, ctx: ContextDep
) -> Response:
    me = await user_service.get(session, principal.user_id)
    await totp_service.confirm(session, ctx, me, data.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/backup-codes",
    response_model=BackupCodes,
    responses=problems(InvalidToken, SessionEnded),
    summary="A new set of backup codes, shown once; the previous set stops working",
)
async def regenerate_backup_codes(
    principal: CurrentPrincipal, session: SessionDep, ctx: ContextDep
) -> BackupCodes:
    me = await user_service.get(session, principal.user_id)
    return await backup_code_service.regenerate(session, ctx, me)
