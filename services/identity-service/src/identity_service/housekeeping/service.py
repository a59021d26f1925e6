"""Housekeeping: login challenges, password-reset links, refresh tokens and sessions that have ended
are deleted once ``housekeeping_retention_seconds`` have passed (kept that long for investigations),
and per-IP failure buckets once no window reaches them. Runs as a worker of the service, every
``housekeeping_interval_seconds``; each pass deletes bounded batches in short transactions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity_service.config import Settings
from identity_service.dependencies import Context
from identity_service.lockout.service import ip_limit
from kit_bus import Runtime, Worker
from kit_core import Clock, get_logger

from .repository import HousekeepingRepository

log = get_logger(__name__)

BATCH = 1000


class HousekeepingService:
    async def pass_once(self, maker: async_sessionmaker[AsyncSession], ctx: Context) -> dict[str, int]:
        """One full pass; returns how many rows of each kind went."""
        before = ctx.now() - timedelta(seconds=ctx.settings.housekeeping_retention_seconds)
        removed: dict[str, int] = {}
        # Codes before their challenges, refresh tokens before sessions (foreign keys).
        for kind in ("login_codes", "challenges", "password_resets", "refresh_tokens", "sessions"):
            total = 0
            while True:
                async with maker() as session, session.begin():
                    step = getattr(HousekeepingRepository(session), kind)
                    count = int(await step(before=before, batch=BATCH))
                total += count
                if count < BATCH:
                    break
            removed[kind] = total
        async with maker() as session, session.begin():
            removed["ip_buckets"] = await ip_limit.prune(session, ctx)
        return removed

    def worker(self, settings: Settings, clock: Clock) -> Worker:
        async def housekeeping(runtime: Runtime) -> None:
            ctx = Context.offline(settings, clock)
            while True:
                try:
                    removed = await self.pass_once(runtime.sessionmaker, ctx)
                    if any(removed.values()):
                        log.info("housekeeping.done", **removed)
                except Exception:
                    log.exception("housekeeping.failed")  # the next pass tries again
                if await runtime.pause(settings.housekeeping_interval_seconds):
                    return

        return housekeeping


housekeeping = HousekeepingService()
