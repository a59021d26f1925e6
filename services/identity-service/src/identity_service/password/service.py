"""Passwords: argon2id with the parameters in Settings, rehashed at login when they change; a
length-based policy (NIST SP 800-63B style: no composition rules) with common passwords refused;
change with the current password; one-time reset links an administrator asks for.

Passwords are NFKC-normalised first: Vietnamese keyboards (Telex, VNI; Windows, macOS, phones)
produce precomposed or combining diacritics for the same text, and "mật khẩu" must match itself.
"""

from __future__ import annotations

import asyncio
import gzip
import unicodedata
from datetime import timedelta
from functools import cache
from importlib.resources import files
from uuid import UUID

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.audit.service import audit as audit_service
from identity_service.config import Settings
from identity_service.crypto import new_token, token_hash
from identity_service.dependencies import Context
from identity_service.lockout.service import lockout as lockout_service
from identity_service.session.repository import SessionRepository
from identity_service.user.repository import UserRepository
from kit_bus import outbox
from kit_contracts import NotificationRequested
from kit_core import new_id

from .exceptions import NoPasswordToChange, ResetTokenInvalid, WeakPassword, WrongPassword
from .repository import PasswordResetRepository

_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


@cache
def common_passwords() -> frozenset[str]:
    folder = files("identity_service.password")
    with gzip.open(folder.joinpath("common-passwords.txt.gz").open("rb"), "rt", encoding="utf-8") as f:
        listed = {line.strip() for line in f}
    extra = folder.joinpath("common-passwords-vi.txt").read_text(encoding="utf-8").splitlines()
    listed.update(line.strip() for line in extra if line.strip() and not line.startswith("#"))
    return frozenset(p.casefold() for p in listed if p)


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


class PasswordService:
    def hasher(self, settings: Settings) -> PasswordHasher:
        return PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    def check_policy(self, settings: Settings, password: str, *, username: str | None = None) -> str:
        """The normalised password, or WeakPassword saying why (in Vietnamese: people read it)."""
        candidate = normalise(password)
        length = len(candidate)  # code points, so "mật khẩu" is 8 characters, not 11 bytes
        if length < settings.password_min_length:
            raise WeakPassword(
                f"Mật khẩu phải có ít nhất {settings.password_min_length} ký tự (mật khẩu này có {length})."
            )
        if length > settings.password_max_length:
            raise WeakPassword(f"Mật khẩu không được dài quá {settings.password_max_length} ký tự.")
        folded = candidate.casefold()
        if folded in common_passwords():
            raise WeakPassword(
                "Mật khẩu này nằm trong danh sách mật khẩu phổ biến, rất dễ bị đoán. "
                "Hãy chọn mật khẩu khác, ví dụ một câu ngắn chỉ mình bạn biết."
            )
        if username and len(username) >= 4 and username.casefold() in folded:
            raise WeakPassword("Mật khẩu không được chứa tên đăng nhập.")
        return candidate

    async def hash(self, settings: Settings, password: str) -> str:
        hasher = self.hasher(settings)
        return await asyncio.to_thread(hasher.hash, normalise(password))

    async def verify(self, settings: Settings, stored: str | None, password: str) -> tuple[bool, str | None]:
        """(matches, a new hash if the stored one used other parameters). With no stored hash, a
        dummy one of the same cost is checked, so an unknown user takes as long as a known one."""
        hasher = self.hasher(settings)
        candidate = normalise(password)
        if stored is None:
            await asyncio.to_thread(self._verify, hasher, await self._dummy(hasher), candidate)
            return False, None
        if not await asyncio.to_thread(self._verify, hasher, stored, candidate):
            return False, None
        if hasher.check_needs_rehash(stored):
            return True, await asyncio.to_thread(hasher.hash, candidate)
        return True, None

    @staticmethod
    def _verify(hasher: PasswordHasher, stored: str, candidate: str) -> bool:
        try:
            return hasher.verify(stored, candidate)
        except (VerificationError, InvalidHashError):
            return False

    async def _dummy(self, hasher: PasswordHasher) -> str:
        key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        if key not in _DUMMY_HASHES:
            _DUMMY_HASHES[key] = await asyncio.to_thread(hasher.hash, new_token())
        return _DUMMY_HASHES[key]

    async def set(self, ctx: Context, user: models.User, new_password: str) -> None:
        checked = self.check_policy(ctx.settings, new_password, username=user.username)
        user.password_hash = await self.hash(ctx.settings, checked)
        user.password_changed_at = user.updated_at = ctx.now()

    async def change(
        self,
        session: AsyncSession,
        ctx: Context,
        user: models.User,
        *,
        current_password: str,
        new_password: str,
        keep_session_id: UUID,
    ) -> None:
        if user.password_hash is None:
            raise NoPasswordToChange("Tài khoản chưa có mật khẩu; hãy dùng liên kết đặt lại mật khẩu.")
        ok, _ = await self.verify(ctx.settings, user.password_hash, current_password)
        if not ok:
            await lockout_service.record_failure(session, ctx, user, "password.change_failed")
            raise WrongPassword("Mật khẩu hiện tại không đúng.")
        self.check_policy(ctx.settings, new_password, username=user.username)
        await self.set(ctx, user, new_password)
        await SessionRepository(session).revoke_for_user(
            user.id, at=ctx.now(), reason="password_changed", keep=keep_session_id
        )
        await session.flush()
        await audit_service.record(session, ctx, "password.changed", user=user)

    async def request_reset(
        self, session: AsyncSession, ctx: Context, user: models.User, *, actor_id: UUID | None
    ) -> models.PasswordReset:
        now = ctx.now()
        resets = PasswordResetRepository(session)
        await resets.void_open(user.id, at=now)
        token = new_token()
        reset = await resets.add(
            models.PasswordReset(
                id=new_id(),
                user_id=user.id,
                token_hash=token_hash(token),
                requested_by=actor_id,
                created_at=now,
                expires_at=now + timedelta(seconds=ctx.settings.password_reset_ttl_seconds),
            )
        )
        # The fragment (#) keeps the token out of web server and proxy logs.
        link = f"{ctx.settings.public_url.rstrip('/')}/reset-password#token={token}"
        await outbox.add(
            session,
            NotificationRequested(
                request_id=new_id(),
                kind="password.reset",
                user_ids=[user.id],
                org_id=user.agency_id,
                data={
                    "full_name": user.full_name,
                    "username": user.username,
                    "link": link,
                    "expires_at": reset.expires_at.isoformat(),
                },
                idempotency_key=f"password.reset:{reset.id}",
                critical=True,
            ),
        )
        await audit_service.record(
            session,
            ctx,
            "password.reset_requested",
            user=user,
            actor_id=actor_id,
            expires_at=reset.expires_at,
        )
        return reset

    async def complete_reset(
        self, session: AsyncSession, ctx: Context, token: str, new_password: str
    ) -> None:
        now = ctx.now()
        resets = PasswordResetRepository(session)
        reset = await resets.by_token_hash(token_hash(token))
        invalid = ResetTokenInvalid(
            "Liên kết đặt lại mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn; hãy đề nghị quản trị gửi lại."
        )
        if reset is None or reset.used_at is not None or reset.expires_at <= now:
            raise invalid
        user = await UserRepository(session).get(reset.user_id)
        if user is None or not user.active:
            raise invalid
        self.check_policy(ctx.settings, new_password, username=user.username)
        if not await resets.use(reset.id, at=now):
            raise invalid
        await self.set(ctx, user, new_password)
        await SessionRepository(session).revoke_for_user(user.id, at=now, reason="password_reset")
        await lockout_service.record_success(session, ctx, user, by="password_reset")
        await session.flush()
        await audit_service.record(session, ctx, "password.reset", user=user)


password = PasswordService()
