"""Lockouts in layers (see ../shared/REFERENCE.md §3, privacyIDEA and Keycloak):

1. a per-account failure counter: ``lockout_threshold`` consecutive failures lock the account for
   ``lockout_base_seconds``, doubling with every further lock up to ``lockout_max_seconds``; the lock
   ends by itself; a success, or ``lockout_reset_seconds`` without failures, forgets the history;
2. a per-user sliding window over the audit log: ``user_window_max_failures`` checked failures in
   ``user_window_seconds`` refuse further attempts until the oldest ages out.

Attempts refused by a lock are not checked and do not count, so hammering a locked account neither
extends the lock nor learns whether the password was right.

3. a per-address limit: failed or refused attempts (unknown users, wrong passwords or codes, locked
   accounts) from one client address, counted per minute; ``ip_window_max_failures`` of them in
   ``ip_window_seconds`` make that address wait (429 with Retry-After) until the oldest ages out,
   whatever username it tries, so spraying passwords across many accounts stops too. The limit is
   generous because a whole office may sit behind one address; the address is the one the trusted
   proxy names (``forwarded_allow_ips``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.audit.service import audit as audit_service
from identity_service.dependencies import Context

from .repository import IpFailureRepository, LockoutRepository
from .schemas import IpBlock, Lockout

Refusal = Literal["locked", "window"]


class LockoutService:
    async def refusal(self, session: AsyncSession, ctx: Context, user: models.User) -> Refusal | None:
        """Whether attempts on this account are refused now. Reads only: an expired lock is lifted
        (and audited) by the next success or failure, which lock the account's row anyway."""
        row = await LockoutRepository(session).of(user.id)
        if row is not None and row.locked_until is not None and row.locked_until > ctx.now():
            return "locked"
        if await self._recent_failures(session, ctx, row) >= ctx.settings.user_window_max_failures:
            return "window"
        return None

    async def _recent_failures(
        self, session: AsyncSession, ctx: Context, row: models.AccountLockout | None
    ) -> int:
        since = ctx.now() - timedelta(seconds=ctx.settings.user_window_seconds)
        if row is None:
            return 0  # no failure was ever counted for this account
        if row.cleared_at is not None and row.cleared_at > since:
            since = row.cleared_at
        return await audit_service.recent_failures(session, user_id=row.user_id, since=since)

    async def record_failure(
        self, session: AsyncSession, ctx: Context, user: models.User, kind: str, **detail: Any
    ) -> datetime | None:
        """Count a checked failure and audit it as ``kind`` (then the lock, if it caused one); returns
        when that lock ends. The account's row is locked before the audit chain's head, as everywhere."""
        s, now = ctx.settings, ctx.now()
        row = await LockoutRepository(session).lock_row(user.id)
        lifted = None
        if row.locked_until is not None:
            if row.locked_until > now:  # a concurrent attempt locked the account meanwhile: keep it
                await audit_service.record(session, ctx, kind, user=user, **detail)
                return row.locked_until
            lifted, row.locked_until = row.locked_until, None
        if row.last_failure_at is not None and now - row.last_failure_at > timedelta(
            seconds=s.lockout_reset_seconds
        ):
            row.failed_count, row.lockouts = 0, 0
        row.failed_count += 1
        row.last_failure_at = now
        seconds = None
        if row.failed_count >= s.lockout_threshold:
            seconds = min(s.lockout_base_seconds * 2**row.lockouts, s.lockout_max_seconds)
            row.locked_until = now + timedelta(seconds=seconds)
            row.lockouts += 1
            row.failed_count = 0
        await session.flush()
        if lifted is not None:
            await self._lifted(session, ctx, user, lifted)
        await audit_service.record(session, ctx, kind, user=user, **detail)
        if seconds is None:
            return None
        await audit_service.record(
            session, ctx, "account.locked", user=user, seconds=seconds, locked_until=row.locked_until
        )
        return row.locked_until

    async def record_success(
        self, session: AsyncSession, ctx: Context, user: models.User, *, by: str = "timeout"
    ) -> None:
        repo = LockoutRepository(session)
        row = await repo.of(user.id)
        if row is None:
            return
        lifted = row.locked_until
        await repo.reset(user.id)
        if lifted is not None:
            await self._lifted(session, ctx, user, lifted, by=by)

    async def _lifted(
        self, session: AsyncSession, ctx: Context, user: models.User, until: datetime, *, by: str = "timeout"
    ) -> None:
        await audit_service.record(session, ctx, "account.unlocked", user=user, by=by, locked_until=until)

    async def clear(self, session: AsyncSession, ctx: Context, user: models.User, *, actor_id: UUID) -> None:
        await LockoutRepository(session).clear(user.id, at=ctx.now())
        await audit_service.record(session, ctx, "account.unlocked", user=user, actor_id=actor_id, by="admin")

    async def state(self, session: AsyncSession, ctx: Context, user: models.User) -> Lockout:
        s, now = ctx.settings, ctx.now()
        row = await LockoutRepository(session).of(user.id)
        locked_until = row.locked_until if row and row.locked_until and row.locked_until > now else None
        recent = await self._recent_failures(session, ctx, row)
        window_full = recent >= s.user_window_max_failures
        return Lockout(
            user_id=user.id,
            locked=locked_until is not None or window_full,
            locked_until=locked_until,
            reason="locked" if locked_until else ("window" if window_full else None),
            failed_count=row.failed_count if row else 0,
            lockouts=row.lockouts if row else 0,
            recent_failures=recent,
            window_seconds=s.user_window_seconds,
        )


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


class IpLimitService:
    def _since(self, ctx: Context) -> datetime:
        # Whole minutes: a bucket counts while any part of it is inside the window.
        return _minute(ctx.now() - timedelta(seconds=ctx.settings.ip_window_seconds))

    async def refused_until(self, session: AsyncSession, ctx: Context) -> datetime | None:
        """When the caller's address may try again, if it has used up its window; None if it may now."""
        limit = ctx.settings.ip_window_max_failures
        if not limit or not ctx.ip:
            return None
        repo, since = IpFailureRepository(session), self._since(ctx)
        if await repo.failures(ctx.ip, since=since) < limit:
            return None
        oldest = await repo.oldest_since(ctx.ip, since=since) or _minute(ctx.now())
        return oldest + timedelta(seconds=ctx.settings.ip_window_seconds + 60)

    async def record_failure(self, session: AsyncSession, ctx: Context) -> None:
        if ctx.settings.ip_window_max_failures and ctx.ip:
            await IpFailureRepository(session).add_failure(ctx.ip, bucket=_minute(ctx.now()))

    async def blocked(self, session: AsyncSession, ctx: Context, *, limit: int) -> list[IpBlock]:
        window = ctx.settings.ip_window_seconds
        rows = await IpFailureRepository(session).busiest(
            since=self._since(ctx), at_least=ctx.settings.ip_window_max_failures or 1, limit=limit
        )
        return [
            IpBlock(ip=ip, failures=n, window_seconds=window, last_failure_minute=last)
            for ip, n, last in rows
        ]

    async def clear(self, session: AsyncSession, ctx: Context, ip: str, *, actor_id: UUID) -> int:
        cleared = await IpFailureRepository(session).clear(ip)
        await audit_service.record(
            session, ctx, "ip.unblocked", actor_id=actor_id, unblocked_ip=ip, buckets=cleared
        )
        return cleared

    async def prune(self, session: AsyncSession, ctx: Context) -> int:
        """Drop buckets no window can reach any more (the cleanup worker)."""
        return await IpFailureRepository(session).prune(before=self._since(ctx))


lockout = LockoutService()
ip_limit = IpLimitService()
