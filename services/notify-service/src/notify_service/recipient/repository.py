from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select

from kit_db import RepositoryBase
from notify_service import models


class UserRepository(RepositoryBase[models.User]):
    model = models.User

    async def replace(
        self,
        *,
        id: UUID,
        username: str,
        full_name: str,
        email: str | None,
        phone: str | None,
        active: bool,
        roles: Iterable[tuple[UUID, str]],
        at: datetime,
    ) -> bool:
        """Store the snapshot unless a newer one is already stored; True if it was applied."""
        user = await self.session.get(models.User, id)
        if user is not None and user.updated_at > at:
            return False
        if user is None:
            user = models.User(id=id)
            self.session.add(user)
        user.username, user.full_name, user.email, user.phone = username, full_name, email, phone
        user.active, user.updated_at = active, at
        await self.session.execute(delete(models.UserRole).where(models.UserRole.user_id == id))
        rows = [{"user_id": id, "org_id": org, "role": role} for org, role in sorted(set(roles))]
        if rows:
            await self.session.execute(insert(models.UserRole), rows)
        await self.session.flush()
        return True

    async def by_ids(self, ids: Iterable[UUID]) -> dict[UUID, models.User]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        stmt = select(models.User).where(models.User.id.in_(wanted))
        return {u.id: u for u in (await self.session.execute(stmt)).scalars()}

    async def holding_roles(self, org_id: UUID, roles: Sequence[str]) -> list[UUID]:
        """Active users holding one of ``roles`` in ``org_id``, in id order."""
        stmt = (
            select(models.UserRole.user_id)
            .join(models.User, models.User.id == models.UserRole.user_id)
            .where(models.UserRole.org_id == org_id, models.UserRole.role.in_(roles), models.User.active)
            .distinct()
            .order_by(models.UserRole.user_id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def members_of(self, org_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
        wanted = list(set(user_ids))
        if not wanted:
            return set()
        stmt = select(models.UserRole.user_id).where(
            models.UserRole.org_id == org_id, models.UserRole.user_id.in_(wanted)
        )
        return set((await self.session.execute(stmt)).scalars())
