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
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import pyotp
import segno
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.audit.service import audit as audit_service
from identity_service.crypto import keyed_hash, seal, unseal
from identity_service.dependencies import Context
from kit_core import new_id

from .exceptions import NoPendingEnrolment, WrongCode
from .repository import BackupCodeRepository, TotpRepository
from .schemas import BackupCodes, Factors, TotpEnrolment

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
    reason: Literal["wrong", "replay", "no_factor"] | None = None
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


totp = TotpService()
backup_codes = BackupCodeService()
factors = FactorService()
