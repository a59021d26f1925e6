from collections import defaultdict
from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import delete, insert, select

from kit_db import RepositoryBase
from routing_service import models


class RecipientGroupRepository(RepositoryBase[models.RecipientGroup]):
    model = models.RecipientGroup

    async def of_owner(self, owner_id: UUID) -> Sequence[models.RecipientGroup]:
        stmt = (
            select(models.RecipientGroup)
            .where(models.RecipientGroup.owner_id == owner_id)
            .order_by(models.RecipientGroup.name)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def of_owner_by_id(self, owner_id: UUID, group_id: UUID) -> models.RecipientGroup | None:
        stmt = select(models.RecipientGroup).where(
            models.RecipientGroup.id == group_id, models.RecipientGroup.owner_id == owner_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_owner_by_name(self, owner_id: UUID, name: str) -> models.RecipientGroup | None:
        stmt = select(models.RecipientGroup).where(
            models.RecipientGroup.owner_id == owner_id, models.RecipientGroup.name == name
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add_members(self, group_id: UUID, org_ids: Sequence[UUID]) -> None:
        if org_ids:
            await self.session.execute(
                insert(models.RecipientGroupMember),
                [{"group_id": group_id, "org_id": org_id} for org_id in org_ids],
            )

    async def member_ids(self, group_ids: Collection[UUID]) -> dict[UUID, list[UUID]]:
        found: dict[UUID, list[UUID]] = defaultdict(list)
        if group_ids:
            stmt = (
                select(models.RecipientGroupMember.group_id, models.RecipientGroupMember.org_id)
                .join(models.Org, models.Org.id == models.RecipientGroupMember.org_id)
                .where(models.RecipientGroupMember.group_id.in_(list(group_ids)))
                .order_by(models.Org.code)
            )
            for group_id, org_id in (await self.session.execute(stmt)).all():
                found[group_id].append(org_id)
        return found

    async def active_members(self, group_id: UUID) -> Sequence[models.Org]:
        stmt = (
            select(models.Org)
            .join(models.RecipientGroupMember, models.RecipientGroupMember.org_id == models.Org.id)
            .where(models.RecipientGroupMember.group_id == group_id, models.Org.active.is_(True))
            .order_by(models.Org.code)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def delete(self, group: models.RecipientGroup) -> None:
        await self.session.execute(
            delete(models.RecipientGroupMember).where(models.RecipientGroupMember.group_id == group.id)
        )
        await self.session.delete(group)
        await self.session.flush()
