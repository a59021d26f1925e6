from collections.abc import Sequence

from sqlalchemy import func, select

from kit_db import RepositoryBase
from notify_service import models


class TemplateRepository(RepositoryBase[models.Template]):
    model = models.Template

    async def latest(self, kind: str, channel: str) -> models.Template | None:
        stmt = (
            select(models.Template)
            .where(models.Template.kind == kind, models.Template.channel == channel)
            .order_by(models.Template.version.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def version(self, kind: str, channel: str, version: int) -> models.Template | None:
        stmt = select(models.Template).where(
            models.Template.kind == kind,
            models.Template.channel == channel,
            models.Template.version == version,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def latest_all(self) -> Sequence[models.Template]:
        newest = (
            select(
                models.Template.kind, models.Template.channel, func.max(models.Template.version).label("v")
            )
            .group_by(models.Template.kind, models.Template.channel)
            .subquery()
        )
        stmt = select(models.Template).join(
            newest,
            (models.Template.kind == newest.c.kind)
            & (models.Template.channel == newest.c.channel)
            & (models.Template.version == newest.c.v),
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def versions(self, kind: str, channel: str) -> Sequence[models.Template]:
        stmt = (
            select(models.Template)
            .where(models.Template.kind == kind, models.Template.channel == channel)
            .order_by(models.Template.version.desc())
        )
        return (await self.session.execute(stmt)).scalars().all()
