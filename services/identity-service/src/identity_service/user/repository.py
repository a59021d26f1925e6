from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import selectinload

from identity_service import models
from kit_db import RepositoryBase


class UserRepository(RepositoryBase[models.User]):
    model = models.User

    async def by_username(self, username: str) -> models.User | None:
        stmt = select(models.User).where(models.User.username == username)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def loaded(self, user_id: UUID) -> models.User | None:
        """The user with memberships and their agencies (what the API shows and tokens need)."""
        stmt = (
            select(models.User)
            .where(models.User.id == user_id)
            .options(selectinload(models.User.memberships).selectinload(models.Membership.agency))
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def listing(
        self, *, agency_id: UUID | None, locked_at: datetime | None, limit: int, offset: int
    ) -> Sequence[models.User]:
        stmt = select(models.User).options(
            selectinload(models.User.memberships).selectinload(models.Membership.agency)
        )
        if agency_id is not None:
            stmt = stmt.where(
                exists().where(
                    models.Membership.user_id == models.User.id, models.Membership.agency_id == agency_id
                )
            )
        if locked_at is not None:
            stmt = stmt.where(
                exists().where(
                    models.AccountLockout.user_id == models.User.id,
                    models.AccountLockout.locked_until > locked_at,
                )
            )
        stmt = stmt.order_by(models.User.username).limit(limit).offset(offset)
        return (await self.session.execute(stmt)).scalars().all()


class MembershipRepository(RepositoryBase[models.Membership]):
    model = models.Membership

    async def replace_roles(
        self, *, user_id: UUID, agency_id: UUID, roles: Sequence[str], at: datetime
    ) -> None:
        await self.remove(user_id=user_id, agency_id=agency_id)
        if roles:
            await self.session.execute(
                insert(models.Membership),
                [
                    {"user_id": user_id, "agency_id": agency_id, "role": role, "granted_at": at}
                    for role in sorted(set(roles))
                ],
            )

    async def remove(self, *, user_id: UUID, agency_id: UUID) -> None:
        await self.session.execute(
            delete(models.Membership).where(
                models.Membership.user_id == user_id, models.Membership.agency_id == agency_id
            )
        )
