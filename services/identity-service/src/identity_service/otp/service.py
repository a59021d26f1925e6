"""Second factors: TOTP (RFC 6238) and single-use backup codes.

TOTP follows the parameters privacyIDEA and Keycloak default to (../shared/REFERENCE.md §3): 30 s
steps, 6 digits, HMAC-SHA-1 unless SHA-256/512 is configured, ±1 step accepted, and a code is
accepted once: a time step at or below the last accepted one is refused (replay). Secrets are sealed
with AES-GCM (``identity_service.crypto``). Backup codes are kept as keyed hashes (HMAC-SHA-256 under
a key derived from the settings key), so a copied table alone cannot be searched for them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import pyotp
import segno
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.audit.service import audit as audit_service
from identity_service.crypto import keyed_hash, seal, unseal
from identity_service.dependencies import Context
from kit_bus import outbox
from kit_contracts import NotificationRequested
from kit_core import new_id

from .exceptions import CodeThrottled, FactorUnavailable, NoPendingEnrolment, WrongCode
from .repository import BackupCodeRepository, LoginCodeRepository, TotpRepository
from .schemas import BackupCodes, CodeSent, Factors, TotpEnrolment

DIGESTS: dict[str, Callable[..., Any]] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}
# RFC 4226 §4 asks for at least 128 bits and recommends 160; one HMAC block's worth per digest here.
SECRET_BYTES = {"SHA1": 20, "SHA256": 32, "SHA512": 64}
# No 0/o, 1/l/i: read off paper and typed by hand. 10 of 31 symbols: about 49.5 bits per code.
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_LENGTH = 10


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    reason: Literal["wrong", "replay", "no_factor", "expired", "tries"] | None = None
    enrolled: bool = False


class TotpService:
    def _secret(self, ctx: Context, factor: models.TotpFactor) -> str:
        raw = unseal(
            ctx.settings.encryption_key.get_secret_value(), factor.secret_sealed, context=f"totp:{factor.id}"
        )
        return raw.decode()

    def _totp(
        self, secret: str, factor: models.TotpFactor, *, name: str | None = None, issuer: str | None = None
    ) -> pyotp.TOTP:
        return pyotp.TOTP(
            secret,
            digits=factor.digits,
            digest=DIGESTS[factor.algorithm],
            interval=factor.period,
            name=name,
            issuer=issuer,
        )

    async def enrol(
        self, session: AsyncSession, ctx: Context, user: models.User, *, challenge_id: UUID | None = None
    ) -> TotpEnrolment:
        """A new, pending factor (any earlier pending one is dropped); a first code confirms it."""
        s = ctx.settings
        repo = TotpRepository(session)
        await repo.delete_pending(user.id)
        secret = base64.b32encode(secrets.token_bytes(SECRET_BYTES[s.otp_algorithm])).decode().rstrip("=")
        factor_id = new_id()
        factor = await repo.add(
            models.TotpFactor(
                id=factor_id,
                user_id=user.id,
                secret_sealed=seal(
                    s.encryption_key.get_secret_value(), secret.encode(), context=f"totp:{factor_id}"
                ),
                algorithm=s.otp_algorithm,
                digits=s.otp_digits,
                period=s.otp_step_seconds,
                created_at=ctx.now(),
                challenge_id=challenge_id,
            )
        )
        uri = self._totp(secret, factor, name=user.username, issuer=s.otp_issuer).provisioning_uri()
        qr = segno.make(uri, error="m")
        return TotpEnrolment(
            factor_id=factor.id,
            secret=secret,
            uri=uri,
            qr_png=qr.png_data_uri(scale=5, border=2),
            qr_svg=qr.svg_inline(scale=5, border=2),
            algorithm=factor.algorithm,
            digits=factor.digits,
            period=factor.period,
        )

    async def install_known(
        self, session: AsyncSession, ctx: Context, user: models.User, secret: str
    ) -> models.TotpFactor:
        """A confirmed factor with a secret chosen elsewhere: for the demo seed only."""
        s, factor_id = ctx.settings, new_id()
        return await TotpRepository(session).add(
            models.TotpFactor(
                id=factor_id,
                user_id=user.id,
                secret_sealed=seal(
                    s.encryption_key.get_secret_value(), secret.encode(), context=f"totp:{factor_id}"
                ),
                algorithm=s.otp_algorithm,
                digits=s.otp_digits,
                period=s.otp_step_seconds,
                created_at=ctx.now(),
                confirmed_at=ctx.now(),
            )
        )

    def matching_steps(self, totp: pyotp.TOTP, code: str, *, at: datetime, window: int) -> list[int]:
        now_step = int(at.timestamp()) // totp.interval
        matches = []
        for step in range(max(0, now_step - window), now_step + window + 1):
            # Every candidate is compared, in constant time, whatever matched before it.
            if hmac.compare_digest(totp.generate_otp(step), code):
                matches.append(step)
        return matches

    async def check(
        self,
        session: AsyncSession,
        ctx: Context,
        user: models.User,
        code: str,
        *,
        challenge_id: UUID | None = None,
    ) -> CodeCheck:
        """Verify a code for the user's factor (or, during a login, the factor being enrolled for it)."""
        repo = TotpRepository(session)
        factor = await repo.confirmed(user.id)
        if factor is None and challenge_id is not None:
            factor = await repo.pending(user.id, challenge_id=challenge_id)
        if factor is None:
            return CodeCheck(False, "no_factor")
        return await self._check(session, ctx, user, factor, code)

    async def _check(
        self, session: AsyncSession, ctx: Context, user: models.User, factor: models.TotpFactor, code: str
    ) -> CodeCheck:
        code = code.replace(" ", "")
        if len(code) != factor.digits or not code.isdigit():
            return CodeCheck(False, "wrong")
        totp = self._totp(self._secret(ctx, factor), factor)
        steps = self.matching_steps(totp, code, at=ctx.now(), window=ctx.settings.otp_window)
        if not steps:
            return CodeCheck(False, "wrong")
        fresh = [step for step in steps if factor.last_used_step is None or step > factor.last_used_step]
        if not fresh or not await TotpRepository(session).take_step(factor.id, max(fresh)):
            return CodeCheck(False, "replay")
        if factor.confirmed_at is not None:
            return CodeCheck(True)
        # Confirmed now; the caller audits it last (the audit head is always the last lock taken).
        await TotpRepository(session).confirm(factor.id, user_id=user.id, at=ctx.now())
        return CodeCheck(True, enrolled=True)

    async def confirm(self, session: AsyncSession, ctx: Context, user: models.User, code: str) -> None:
        """Confirm a replacement factor the (signed-in) user started; the old one stops working."""
        factor = await TotpRepository(session).pending(user.id, challenge_id=None)
        if factor is None:
            raise NoPendingEnrolment("Không có ứng dụng xác thực nào đang chờ xác nhận; hãy đăng ký lại.")
        if not (await self._check(session, ctx, user, factor, code)).ok:
            raise WrongCode("Mã xác thực không đúng; hãy nhập mã đang hiển thị trong ứng dụng.")
        await audit_service.record(
            session, ctx, "factor.enrolled", user=user, factor="totp", algorithm=factor.algorithm
        )


class BackupCodeService:
    def _hash(self, ctx: Context, user: models.User, code: str) -> str:
        normalised = code.lower().replace("-", "").replace(" ", "")
        return keyed_hash(
            ctx.settings.encryption_key.get_secret_value(), "backup-code", f"{user.id}:{normalised}"
        )

    async def regenerate(self, session: AsyncSession, ctx: Context, user: models.User) -> BackupCodes:
        now = ctx.now()
        codes = []
        for _ in range(ctx.settings.backup_code_count):
            raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(BACKUP_LENGTH))
            codes.append(f"{raw[:5]}-{raw[5:]}")
        await BackupCodeRepository(session).replace(
            user.id, [(new_id(), self._hash(ctx, user, code)) for code in codes], at=now
        )
        await audit_service.record(
            session, ctx, "factor.enrolled", user=user, factor="backup_code", count=len(codes)
        )
        return BackupCodes(codes=codes, created_at=now)

    async def use(self, session: AsyncSession, ctx: Context, user: models.User, code: str) -> CodeCheck:
        if not code or len(code) > 32:
            return CodeCheck(False, "wrong")
        if await BackupCodeRepository(session).use(user.id, self._hash(ctx, user, code), at=ctx.now()):
            return CodeCheck(True)
        return CodeCheck(False, "wrong")

    async def remaining(self, session: AsyncSession, user: models.User) -> int:
        return await BackupCodeRepository(session).remaining(user.id)


class FactorService:
    async def of(self, session: AsyncSession, user: models.User) -> Factors:
        repo = TotpRepository(session)
        return Factors(
            totp=await repo.confirmed(user.id) is not None,
            totp_pending=await repo.pending(user.id, challenge_id=None) is not None,
            backup_codes_remaining=await BackupCodeRepository(session).remaining(user.id),
        )

    async def reset(
        self, session: AsyncSession, ctx: Context, user: models.User, *, actor_id: UUID | None
    ) -> None:
        removed_totp = await TotpRepository(session).delete_all(user.id)
        removed_codes = await BackupCodeRepository(session).delete_all(user.id)
        await audit_service.record(
            session,
            ctx,
            "factor.reset",
            user=user,
            actor_id=actor_id,
            totp=removed_totp,
            backup_codes=removed_codes,
        )


def mask_phone(phone: str) -> str:
    """+84912345678 → +84 91* *** 678: enough for the person to recognise their number."""
    digits = phone.removeprefix("+84")
    if len(digits) <= 5:
        return "+84 ***"
    hidden = "*" * (len(digits) - 5)
    return f"+84 {digits[:2]}{hidden[:1]} {hidden[1:]} {digits[-3:]}"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class LoginCodeService:
    """SMS and e-mail codes for the second step: 6 digits, at most ``otp_code_ttl_seconds`` (≤ 5 min),
    ``otp_code_max_attempts`` tries, single use; sending is throttled per challenge (a pause between
    sends, a cap per login) and per user per hour. Delivery is notify-service's: a critical
    ``auth.otp`` request (it ignores quiet hours and preferences) through the outbox. The code travels
    in that request, so the bus must stay inside the installation's trust boundary (as it does)."""

    def available(self, ctx: Context, user: models.User) -> list[Literal["sms", "email"]]:
        out: list[Literal["sms", "email"]] = []
        if ctx.settings.otp_sms_enabled and user.phone:
            out.append("sms")
        if ctx.settings.otp_email_enabled and user.email:
            out.append("email")
        return out

    def _hash(self, ctx: Context, challenge_id: UUID, code: str) -> str:
        return keyed_hash(
            ctx.settings.encryption_key.get_secret_value(), "login-code", f"{challenge_id}:{code}"
        )

    async def send(
        self,
        session: AsyncSession,
        ctx: Context,
        user: models.User,
        *,
        challenge_id: UUID,
        channel: Literal["sms", "email"],
    ) -> CodeSent:
        s, now = ctx.settings, ctx.now()
        if channel not in self.available(ctx, user):
            raise FactorUnavailable(
                "Tài khoản chưa có số điện thoại di động để nhận mã qua SMS; hãy chọn cách xác thực khác."
                if channel == "sms"
                else "Tài khoản chưa có địa chỉ thư điện tử để nhận mã; hãy chọn cách xác thực khác."
            )
        codes = LoginCodeRepository(session)
        last = await codes.latest(challenge_id)
        if (
            last is not None
            and (wait := (last.created_at - now).total_seconds() + s.otp_code_resend_seconds) > 0
        ):
            raise CodeThrottled(
                f"Vui lòng chờ {math.ceil(wait)} giây trước khi yêu cầu mã mới.", retry_after=math.ceil(wait)
            )
        if await codes.sent_for_challenge(challenge_id) >= s.otp_code_max_sends_per_challenge:
            raise CodeThrottled(
                "Đã gửi quá số lần cho phép trong lần đăng nhập này; hãy nhập lại mật khẩu để bắt đầu lại.",
                retry_after=s.challenge_ttl_seconds,
            )
        if (
            await codes.sent_to_user_since(user.id, now - timedelta(hours=1))
            >= s.otp_code_max_sends_per_user_hour
        ):
            raise CodeThrottled(
                "Đã gửi quá nhiều mã cho tài khoản này trong một giờ; vui lòng thử lại sau hoặc dùng ứng dụng xác thực.",
                retry_after=3600,
            )
        await codes.supersede(challenge_id, at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        destination = (user.phone if channel == "sms" else user.email) or ""  # available() checked it
        sent_to = mask_phone(destination) if channel == "sms" else mask_email(destination)
        row = models.LoginCode(
            id=new_id(),
            challenge_id=challenge_id,
            user_id=user.id,
            channel=channel,
            code_hash=self._hash(ctx, challenge_id, code),
            sent_to=sent_to,
            created_at=now,
            expires_at=now + timedelta(seconds=s.otp_code_ttl_seconds),
            attempts=0,
        )
        await codes.add(row)
        minutes = max(1, s.otp_code_ttl_seconds // 60)
        await outbox.add(
            session,
            NotificationRequested(
                request_id=new_id(),
                kind="auth.otp",
                user_ids=[user.id],
                org_id=user.agency_id,
                channels=[channel],
                phone=user.phone if channel == "sms" else None,
                email=user.email if channel == "email" else None,
                critical=True,
                data={"code": code, "minutes": minutes, "full_name": user.full_name},
                idempotency_key=f"auth.otp:{row.id}",
            ),
        )
        await audit_service.record(session, ctx, "otp.sent", user=user, channel=channel, sent_to=sent_to)
        return CodeSent(
            channel=channel,
            sent_to=sent_to,
            expires_at=row.expires_at,
            resend_after=now + timedelta(seconds=s.otp_code_resend_seconds),
        )

    async def check(
        self, session: AsyncSession, ctx: Context, *, challenge_id: UUID, channel: str, code: str
    ) -> CodeCheck:
        codes, now = LoginCodeRepository(session), ctx.now()
        row = await codes.live(challenge_id, channel, now=now)
        if row is None:
            return CodeCheck(False, "expired")
        if not await codes.take_attempt(row.id, max_attempts=ctx.settings.otp_code_max_attempts):
            return CodeCheck(False, "tries")
        given = code.strip().replace(" ", "")
        if not (given.isdigit() and len(given) == 6):
            return CodeCheck(False, "wrong")
        if not hmac.compare_digest(self._hash(ctx, challenge_id, given), row.code_hash):
            return CodeCheck(False, "wrong")
        if not await codes.use(row.id, at=now):
            return CodeCheck(False, "replay")
        return CodeCheck(True)


totp = TotpService()
login_codes = LoginCodeService()
backup_codes = BackupCodeService()
factors = FactorService()
