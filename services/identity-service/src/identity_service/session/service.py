"""Logins and sessions: the two login steps, the tokens a completed login gets, refresh-token
rotation with reuse detection, logout, and switching the agency a session acts for.

A session is one login: the family of its refresh tokens. Each refresh spends the presented token
and issues the next; presenting a spent one again means two parties hold the family (a stolen
token), so the whole session is revoked.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.audit.service import audit as audit_service
from identity_service.crypto import new_token, token_hash
from identity_service.dependencies import Context
from identity_service.jwks.service import jwks as jwks_service
from identity_service.lockout.service import ip_limit
from identity_service.lockout.service import lockout as lockout_service
from identity_service.otp.repository import TotpRepository
from identity_service.otp.schemas import CodeRequest, CodeSent, TotpEnrolment
from identity_service.otp.service import backup_codes as backup_code_service
from identity_service.otp.service import factors as factor_service
from identity_service.otp.service import login_codes as login_code_service
from identity_service.otp.service import totp as totp_service
from identity_service.password.service import password as password_service
from identity_service.user.repository import UserRepository
from kit_core import get_logger, new_id

from .dependencies import Principal
from .exceptions import (
    CODE_FAILED,
    LOGIN_FAILED,
    ChallengeExpired,
    EnrolmentNotAllowed,
    InvalidCode,
    InvalidCredentials,
    InvalidRefreshToken,
    NotAMember,
    SessionEnded,
    TooManyAttempts,
)
from .repository import ChallengeRepository, RefreshTokenRepository, SessionRepository
from .schemas import AgencyRoles, Factor, LoginChallenge, LoginRequest, LoginVerify, Tokens

log = get_logger(__name__)

CHALLENGE_GONE = "Phiên đăng nhập đã hết hạn hoặc đã thử quá số lần cho phép; hãy nhập lại mật khẩu."
REFRESH_FAILED = "Phiên làm việc không còn hiệu lực; hãy đăng nhập lại."


def agencies_of(user: models.User) -> dict[UUID, AgencyRoles]:
    """The active agencies the user holds roles in (memberships and their agencies must be loaded)."""
    out: dict[UUID, AgencyRoles] = {}
    for membership in user.memberships:
        agency = membership.agency
        if not agency.active:
            continue
        entry = out.setdefault(
            agency.id, AgencyRoles(id=agency.id, code=agency.code, name=agency.name, roles=[])
        )
        entry.roles.append(membership.role)
    for entry in out.values():
        entry.roles.sort()
    return out


class SessionService:
    async def _address_may_try(self, session: AsyncSession, ctx: Context, *, step: str) -> None:
        """The per-address layer, checked before any work: a refused address costs no argon2 hash and
        adds nothing to the audit chain (a flood must not serialise on its head), only a log line."""
        until = await ip_limit.refused_until(session, ctx)
        if until is not None:
            log.warning("login.address_refused", ip=ctx.ip, step=step, until=until.isoformat())
            raise TooManyAttempts(until=until, now=ctx.now())

    async def login(self, session: AsyncSession, ctx: Context, data: LoginRequest) -> LoginChallenge:
        """Step one. Every refusal looks the same and costs one argon2 verification."""
        s = ctx.settings
        username = data.username.strip().lower()[:64]
        await self._address_may_try(session, ctx, step="password")
        user = await UserRepository(session).by_username(username)
        if user is None:
            await password_service.verify(s, None, data.password)
            await ip_limit.record_failure(session, ctx)
            await audit_service.record(
                session, ctx, "login.failed", username=username, step="password", reason="unknown_user"
            )
            raise InvalidCredentials(LOGIN_FAILED)
        ok, rehashed = await password_service.verify(s, user.password_hash, data.password)
        refusal = "disabled" if not user.active else await lockout_service.refusal(session, ctx, user)
        if refusal is not None:  # not evaluated, not counted: the password's correctness stays unknown
            await ip_limit.record_failure(session, ctx)
            await audit_service.record(
                session, ctx, "login.refused", user=user, step="password", reason=refusal
            )
            raise InvalidCredentials(LOGIN_FAILED)
        if not ok:
            await ip_limit.record_failure(session, ctx)
            await lockout_service.record_failure(
                session, ctx, user, "login.failed", step="password", reason="password"
            )
            raise InvalidCredentials(LOGIN_FAILED)
        if rehashed is not None:  # the argon2 parameters changed since this hash was made
            user.password_hash = rehashed
        have = await factor_service.of(session, user)
        factors: list[Factor] = []
        if have.totp:
            factors.append("totp")
        factors.extend(login_code_service.available(ctx, user))
        if have.backup_codes_remaining:
            factors.append("backup_code")
        enroll: list[Literal["totp"]] = ["totp"] if not have.totp and s.otp_enrolment_at_login else []
        if not factors and not enroll:
            await audit_service.record(
                session, ctx, "login.refused", user=user, step="password", reason="no_factor"
            )
            raise InvalidCredentials(LOGIN_FAILED)
        now = ctx.now()
        challenge = await ChallengeRepository(session).add(
            models.LoginChallenge(
                id=uuid.uuid4(),  # random, not time-ordered: it stands for a password just proven
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(seconds=s.challenge_ttl_seconds),
                attempts=0,
            )
        )
        await audit_service.record(
            session,
            ctx,
            "login.password_accepted",
            user=user,
            factors=factors,
            enroll=enroll,
            rehashed=rehashed is not None,
        )
        return LoginChallenge(
            challenge_id=challenge.id, factors=factors, enroll=enroll, expires_at=challenge.expires_at
        )

    async def enrol_totp(self, session: AsyncSession, ctx: Context, challenge_id: UUID) -> TotpEnrolment:
        """First login of a user without a factor: set up TOTP on the challenge; verify confirms it."""
        challenge = await ChallengeRepository(session).open(challenge_id, now=ctx.now())
        if challenge is None:
            raise ChallengeExpired(CHALLENGE_GONE)
        user = await UserRepository(session).get(challenge.user_id)
        if user is None or not ctx.settings.otp_enrolment_at_login:
            raise EnrolmentNotAllowed("Không thể đăng ký ứng dụng xác thực khi đăng nhập.")
        if await TotpRepository(session).confirmed(user.id) is not None:
            raise EnrolmentNotAllowed(
                "Tài khoản đã có ứng dụng xác thực; đổi ứng dụng sau khi đăng nhập (POST /api/v1/auth/totp)."
            )
        return await totp_service.enrol(session, ctx, user, challenge_id=challenge.id)

    async def send_code(self, session: AsyncSession, ctx: Context, data: CodeRequest) -> CodeSent:
        """Between the steps: a one-time code by SMS or e-mail for this challenge."""
        challenge = await ChallengeRepository(session).open(data.challenge_id, now=ctx.now())
        user = await UserRepository(session).get(challenge.user_id) if challenge else None
        if challenge is None or user is None or not user.active:
            raise ChallengeExpired(CHALLENGE_GONE)
        return await login_code_service.send(
            session, ctx, user, challenge_id=challenge.id, channel=data.channel
        )

    async def verify(self, session: AsyncSession, ctx: Context, data: LoginVerify) -> Tokens:
        """Step two: a code for the challenge; tokens if it is right."""
        now = ctx.now()
        challenges = ChallengeRepository(session)
        user_id = await challenges.take_attempt(
            data.challenge_id, now=now, max_attempts=ctx.settings.challenge_max_attempts
        )
        user = await UserRepository(session).loaded(user_id) if user_id else None
        if user is None:
            raise ChallengeExpired(CHALLENGE_GONE)
        await self._address_may_try(session, ctx, step="factor")
        refusal = "disabled" if not user.active else await lockout_service.refusal(session, ctx, user)
        if refusal is not None:  # the code is not even checked: a locked account never confirms a right one
            await ip_limit.record_failure(session, ctx)
            await audit_service.record(
                session, ctx, "login.refused", user=user, step="factor", factor=data.factor, reason=refusal
            )
            raise InvalidCode(CODE_FAILED)
        if data.factor == "totp":
            check = await totp_service.check(session, ctx, user, data.code, challenge_id=data.challenge_id)
        elif data.factor in ("sms", "email"):
            check = await login_code_service.check(
                session, ctx, challenge_id=data.challenge_id, channel=data.factor, code=data.code
            )
        else:
            check = await backup_code_service.use(session, ctx, user, data.code)
        if not check.ok:
            await ip_limit.record_failure(session, ctx)
            await lockout_service.record_failure(
                session, ctx, user, "login.failed", step="factor", factor=data.factor, reason=check.reason
            )
            raise InvalidCode(CODE_FAILED)
        if not await challenges.complete(data.challenge_id, at=now):
            raise ChallengeExpired(CHALLENGE_GONE)
        await lockout_service.record_success(session, ctx, user)
        if check.enrolled:
            await audit_service.record(session, ctx, "factor.enrolled", user=user, factor="totp")
        agencies = agencies_of(user)
        if not agencies:
            raise NotAMember("Tài khoản chưa thuộc đơn vị nào đang hoạt động; hãy liên hệ quản trị.")
        agency_id = (
            user.agency_id if user.agency_id in agencies else min(agencies, key=lambda a: agencies[a].code)
        )
        # RFC 8176 names: otp (an authenticator app), sms; "email" and "backup" are ours.
        amr = ["pwd", {"totp": "otp", "backup_code": "backup"}.get(data.factor, data.factor)]
        tokens = await self._start(session, ctx, user, agency_id=agency_id, amr=amr)
        remaining = (
            await backup_code_service.remaining(session, user) if data.factor == "backup_code" else None
        )
        await audit_service.record(
            session,
            ctx,
            "login.succeeded",
            user=user,
            agency_id=agency_id,
            amr=amr,
            session_id=tokens.session_id,
            backup_codes_remaining=remaining,
        )
        return tokens

    async def refresh(self, session: AsyncSession, ctx: Context, token: str) -> Tokens:
        now = ctx.now()
        refresh_tokens, sessions = RefreshTokenRepository(session), SessionRepository(session)
        digest = token_hash(token)
        session_id = await refresh_tokens.use(digest, now=now)
        if session_id is None:
            spent = await refresh_tokens.by_hash(digest)
            if spent is not None and spent.used_at is not None:
                await self._reused(session, ctx, spent.session_id)
            raise InvalidRefreshToken(REFRESH_FAILED)
        login = await sessions.get(session_id)
        if login is None or login.revoked_at is not None or login.expires_at <= now:
            raise InvalidRefreshToken(REFRESH_FAILED)
        user = await UserRepository(session).loaded(login.user_id)
        if user is None or not user.active or login.agency_id not in agencies_of(user):
            await sessions.revoke(login.id, at=now, reason="access_removed")
            raise InvalidRefreshToken(REFRESH_FAILED)
        login.refreshed_at = now
        return await self._issue(session, ctx, user, login)

    async def _reused(self, session: AsyncSession, ctx: Context, session_id: UUID) -> None:
        sessions = SessionRepository(session)
        login = await sessions.get(session_id)
        if login is None or not await sessions.revoke(session_id, at=ctx.now(), reason="refresh_reused"):
            return  # already revoked: nothing more to protect
        user = await UserRepository(session).get(login.user_id)
        await audit_service.record(
            session, ctx, "refresh.reused", user=user, agency_id=login.agency_id, session_id=session_id
        )

    async def logout(self, session: AsyncSession, ctx: Context, token: str) -> None:
        """Revoke the session the refresh token belongs to. Unknown tokens are ignored (RFC 7009 §2.2)."""
        known = await RefreshTokenRepository(session).by_hash(token_hash(token))
        if known is None:
            return
        sessions = SessionRepository(session)
        login = await sessions.get(known.session_id)
        if login is None or not await sessions.revoke(login.id, at=ctx.now(), reason="logout"):
            return
        user = await UserRepository(session).get(login.user_id)
        await audit_service.record(
            session, ctx, "logout", user=user, agency_id=login.agency_id, session_id=login.id
        )

    async def switch_agency(
        self, session: AsyncSession, ctx: Context, principal: Principal, agency_id: UUID
    ) -> Tokens:
        user = await UserRepository(session).loaded(principal.user_id)
        if user is None or agency_id not in agencies_of(user):
            raise NotAMember(f"Tài khoản không có vai trò nào tại đơn vị {agency_id}.")
        sessions = SessionRepository(session)
        old = await sessions.get(principal.session_id)
        if old is None or not await sessions.revoke(old.id, at=ctx.now(), reason="switched"):
            raise SessionEnded(REFRESH_FAILED)
        tokens = await self._start(
            session, ctx, user, agency_id=agency_id, amr=list(old.amr), expires_at=old.expires_at
        )
        await audit_service.record(
            session,
            ctx,
            "session.switched",
            user=user,
            agency_id=agency_id,
            from_agency_id=old.agency_id,
            session_id=tokens.session_id,
        )
        return tokens

    async def _start(
        self,
        session: AsyncSession,
        ctx: Context,
        user: models.User,
        *,
        agency_id: UUID,
        amr: list[str],
        expires_at: datetime | None = None,
    ) -> Tokens:
        now = ctx.now()
        login = await SessionRepository(session).add(
            models.AuthSession(
                id=new_id(),
                user_id=user.id,
                agency_id=agency_id,
                amr=amr,
                created_at=now,
                expires_at=expires_at or now + timedelta(seconds=ctx.settings.session_max_seconds),
            )
        )
        return await self._issue(session, ctx, user, login)

    async def _issue(
        self, session: AsyncSession, ctx: Context, user: models.User, login: models.AuthSession
    ) -> Tokens:
        s, now = ctx.settings, ctx.now()
        agencies = agencies_of(user)
        agency = agencies[login.agency_id]
        refresh = new_token()
        refresh_expires_at = min(now + timedelta(seconds=s.refresh_token_ttl_seconds), login.expires_at)
        await RefreshTokenRepository(session).add(
            models.RefreshToken(
                id=new_id(),
                session_id=login.id,
                token_hash=token_hash(refresh),
                issued_at=now,
                expires_at=refresh_expires_at,
            )
        )
        issued = int(now.timestamp())
        access = await jwks_service.sign(
            session,
            ctx,
            {
                "iss": s.jwt_issuer,
                "sub": str(user.id),
                "aud": s.jwt_audience,
                "iat": issued,
                "exp": issued + s.access_token_ttl_seconds,
                "jti": str(new_id()),
                "sid": str(login.id),
                "preferred_username": user.username,
                "name": user.full_name,
                "agency_id": str(agency.id),
                "agency_code": agency.code,
                "roles": agency.roles,
                "amr": list(login.amr),
            },
        )
        return Tokens(
            access_token=access,
            expires_in=s.access_token_ttl_seconds,
            refresh_token=refresh,
            refresh_expires_in=int((refresh_expires_at - now).total_seconds()),
            session_id=login.id,
            amr=list(login.amr),
            agency=agency,
            agencies=sorted(agencies.values(), key=lambda a: a.code),
        )


sessions = SessionService()
