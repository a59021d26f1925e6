from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.agency.repository import AgencyRepository
from kit_bus import outbox
from kit_contracts import NotificationRequested, UserCreated
from kit_core import new_id

from .exceptions import UnknownAgency, UsernameTaken, UserNotFound
from .repository import UserRepository
from .schemas import UserCreate


class UserService:
    async def create(self, session: AsyncSession, data: UserCreate) -> models.User:
        agency = await AgencyRepository(session).get(data.agency_id)
        if agency is None or not agency.active:
            raise UnknownAgency(
                f"agency {data.agency_id} is not in the directory (or not active); "
                "create it in routing-service first, or wait a moment for it to replicate"
            )
        users = UserRepository(session)
        if await users.by_username(data.username) is not None:
            raise UsernameTaken(f"username {data.username!r} is already in use; choose another")
        user = await users.add(
            models.User(
                id=new_id(),
                username=data.username,
                full_name=data.full_name,
                agency_id=agency.id,
                created_at=datetime.now(UTC),
            )
        )
        await outbox.add(
            session,
            UserCreated(user_id=user.id, username=user.username, full_name=user.full_name, org_id=agency.id),
        )
        await outbox.add(
            session,
            NotificationRequested(
                request_id=new_id(),
                kind="user.welcome",
                user_ids=[user.id],
                org_id=agency.id,
                data={"full_name": user.full_name, "username": user.username, "agency_name": agency.name},
                idempotency_key=f"user.welcome:{user.id}",
            ),
        )
        return user

    async def get(self, session: AsyncSession, user_id: UUID) -> models.User:
        user = await UserRepository(session).get(user_id)
        if user is None:
            raise UserNotFound(f"no user with id {user_id}")
        return user


user = UserService()
