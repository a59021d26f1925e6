from fastapi import APIRouter, Response, status

from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.otp.exceptions import CodeThrottled, FactorUnavailable
from identity_service.otp.schemas import CodeRequest, CodeSent, TotpEnrolment
from kit_core import problems
from kit_db import SessionDep

from .dependencies import CurrentPrincipal
from .exceptions import (
    ChallengeExpired,
    EnrolmentNotAllowed,
    InvalidCode,
    InvalidCredentials,
    InvalidRefreshToken,
    NotAMember,
    SessionEnded,
    TooManyAttempts,
)
from .schemas import (
    ChallengeRef,
    LoginChallenge,
    LoginRequest,
    LoginVerify,
    RefreshRequest,
    SwitchAgency,
    Tokens,
)
from .service import sessions as session_service

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

# The refusals below are RecordedFailures: the edge commits their audit entries and failure
# counters before answering with the problem.


@router.post(
    "/login",
    response_model=LoginChallenge,
    responses=problems(InvalidCredentials, TooManyAttempts),
    summary="Step 1: username and password; returns a challenge for the second factor",
)
async def login(data: LoginRequest, session: SessionDep, ctx: ContextDep) -> LoginChallenge:
    return await session_service.login(session, ctx, data)


@router.post(
    "/login/totp",
    response_model=TotpEnrolment,
    responses=problems(ChallengeExpired, EnrolmentNotAllowed),
    summary="During a first login without a factor: set up TOTP (then verify with its first code)",
)
async def enrol_totp_at_login(data: ChallengeRef, session: SessionDep, ctx: ContextDep) -> TotpEnrolment:
    return await session_service.enrol_totp(session, ctx, data.challenge_id)


@router.post(
    "/login/code",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(ChallengeExpired, FactorUnavailable, CodeThrottled),
    summary="Between the steps: send a one-time code by SMS or e-mail (then verify with factor sms or email)",
)
async def send_login_code(data: CodeRequest, session: SessionDep, ctx: ContextDep) -> CodeSent:
    return await session_service.send_code(session, ctx, data)


@router.post(
    "/login/verify",
    response_model=Tokens,
    responses=problems(InvalidCode, ChallengeExpired, NotAMember, TooManyAttempts),
    summary="Step 2: a TOTP, SMS, e-mail or backup code for the challenge; returns tokens",
)
async def verify_login(data: LoginVerify, session: SessionDep, ctx: ContextDep) -> Tokens:
    return await session_service.verify(session, ctx, data)


@router.post(
    "/refresh",
    response_model=Tokens,
    responses=problems(InvalidRefreshToken),
    summary="New tokens for a refresh token, which is spent (reusing a spent one ends the session)",
)
async def refresh(data: RefreshRequest, session: SessionDep, ctx: ContextDep) -> Tokens:
    return await session_service.refresh(session, ctx, data.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session the refresh token belongs to (access tokens expire on their own)",
)
async def logout(data: RefreshRequest, session: SessionDep, ctx: ContextDep) -> Response:
    await session_service.logout(session, ctx, data.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/switch-agency",
    response_model=Tokens,
    responses=problems(InvalidToken, SessionEnded, NotAMember),
    summary="New tokens acting for another of the user's agencies (the current session ends)",
)
async def switch_agency(
    data: SwitchAgency, principal: CurrentPrincipal, session: SessionDep, ctx: ContextDep
) -> Tokens:
    return await session_service.switch_agency(session, ctx, principal, data.agency_id)
