"""Preferences: which kinds reach a user on which channel, and when e-mail and SMS must wait.

A choice for one kind beats a choice for every kind ("*"), which beats the kind's default channels.
Critical requests (OTP codes, Hỏa tốc documents) ignore both choices and quiet hours. Quiet hours
hold e-mail and SMS until they end (the delivery is scheduled, not dropped); the in-app feed is
silent, so it is never held.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from notify_service import models

from .repository import PreferenceRepository

VIETNAM: Final = timezone(timedelta(hours=7), "ICT")  # no daylight saving time
HELD_BY_QUIET_HOURS: Final = frozenset({"email", "sms"})


def quiet_until(now: datetime, start: time, end: time) -> datetime | None:
    """When the quiet window holding ``now`` ends (UTC), or None if ``now`` is outside it."""
    local = now.astimezone(VIETNAM)
    t = local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:
        quiet, day = start <= t < end, local.date()
    else:  # spans midnight
        quiet = t >= start or t < end
        day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(day, end, tzinfo=VIETNAM).astimezone(UTC)


@dataclass(frozen=True)
class Choices:
    """Everything needed to decide channels and timing for the recipients of one request."""

    by_kind: Mapping[tuple[UUID, str], bool]  # (user, channel) -> enabled, for this kind
    by_all: Mapping[tuple[UUID, str], bool]  # (user, channel) -> enabled, for "*"
    quiet: Mapping[UUID, models.QuietHours]

    def channels(
        self,
        user_id: UUID,
        *,
        defaults: Sequence[str],
        allowed: Sequence[str],
        requested: Sequence[str] | None,
        critical: bool,
    ) -> list[str]:
        if requested is not None:
            candidates = [c for c in requested if c in allowed]
        else:
            optional = [c for c in allowed if c not in defaults and self._choice(user_id, c) is True]
            candidates = [c for c in allowed if c in defaults] + optional
        if critical:
            return candidates
        return [c for c in candidates if self._choice(user_id, c) is not False]

    def _choice(self, user_id: UUID, channel: str) -> bool | None:
        specific = self.by_kind.get((user_id, channel))
        return specific if specific is not None else self.by_all.get((user_id, channel))

    def not_before(self, user_id: UUID | None, channel: str, *, now: datetime, critical: bool) -> datetime:
        window = self.quiet.get(user_id) if user_id is not None else None
        if critical or window is None or channel not in HELD_BY_QUIET_HOURS:
            return now
        return quiet_until(now, window.start, window.end) or now


class PreferenceService:
    async def choices(self, session: AsyncSession, user_ids: Sequence[UUID], kind: str) -> Choices:
        repo = PreferenceRepository(session)
        by_kind: dict[tuple[UUID, str], bool] = {}
        by_all: dict[tuple[UUID, str], bool] = {}
        for row in await repo.of_users(user_ids, kind):
            (by_all if row.kind == "*" else by_kind)[(row.user_id, row.channel)] = row.enabled
        return Choices(by_kind=by_kind, by_all=by_all, quiet=await repo.quiet_hours(user_ids))

    async def of_user(
        self, session: AsyncSession, user_id: UUID
    ) -> tuple[Sequence[models.Preference], models.QuietHours | None]:
        repo = PreferenceRepository(session)
        return await repo.of_user(user_id), (await repo.quiet_hours([user_id])).get(user_id)

    async def replace(
        self,
        session: AsyncSession,
        user_id: UUID,
        rows: Sequence[tuple[str, str, bool]],
        quiet: tuple[time, time] | None,
        *,
        at: datetime,
    ) -> tuple[Sequence[models.Preference], models.QuietHours | None]:
        repo = PreferenceRepository(session)
        await repo.replace(user_id, rows)
        await repo.set_quiet_hours(user_id, quiet, at=at)
        return await self.of_user(session, user_id)


preference = PreferenceService()
