from collections.abc import Iterable, Sequence
from datetime import datetime, time
from uuid import UUID

from sqlalchemy import delete, insert, select

from kit_db import RepositoryBase
from notify_service import models


class PreferenceRepository(RepositoryBase[models.Preference]):
    model = models.Preference

    async def of_user(self, user_id: UUID) -> Sequence[models.Preference]:
        stmt = (
            select(models.Preference)
            .where(models.Preference.user_id == user_id)
            .order_by(models.Preference.kind, models.Preference.channel)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def of_users(self, user_ids: Iterable[UUID], kind: str) -> Sequence[models.Preference]:
        wanted = list(set(user_ids))
        if not wanted:
            return []
        stmt = select(models.Preference).where(
            models.Preference.user_id.in_(wanted), models.Preference.kind.in_([kind, "*"])
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def replace(self, user_id: UUID, rows: Sequence[tuple[str, str, bool]]) -> None:
        await self.session.execute(delete(models.Preference).where(models.Preference.user_id == user_id))
        if rows:
            await self.session.execute(
                insert(models.Preference),
                [{"user_id": user_id, "kind": k, "channel": c, "enabled": e} for k, c, e in rows],
            )

    async def quiet_hours(self, user_ids: Iterable[UUID]) -> dict[UUID, models.QuietHours]:
        wanted = list(set(user_ids))
        if not wanted:
            return {}
        stmt = select(models.QuietHours).where(models.QuietHours.user_id.in_(wanted))
        return {q.user_id: q for q in (await self.session.execute(stmt)).scalars()}

    async def set_quiet_hours(self, user_id: UUID, window: tuple[time, time] | None, *, at: datetime) -> None:
        await self.session.execute(delete(models.QuietHours).where(models.QuietHours.user_id == user_id))
        if window is not None:
            self.session.add(
                models.QuietHours(user_id=user_id, start=window[0], end=window[1], updated_at=at)
            )
        await self.session.flush()
