from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

M = TypeVar("M")


class RepositoryBase(Generic[M]):
    """Holds the SQL for one model. Repositories may flush; only the edge commits."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> RepositoryBase[M]:
        return cls(session)

    async def get(self, id_: UUID) -> M | None:
        return await self.session.get(self.model, id_)

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def add_all(self, objs: Sequence[M]) -> None:
        """Insert several rows in as few statements as the driver allows (one flush)."""
        if objs:
            self.session.add_all(objs)
            await self.session.flush()

    async def count(self) -> int:
        from sqlalchemy import func

        return int((await self.session.execute(select(func.count()).select_from(self.model))).scalar_one())
