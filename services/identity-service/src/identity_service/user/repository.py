from sqlalchemy import select

from identity_service import models
from kit_db import RepositoryBase


class UserRepository(RepositoryBase[models.User]):
    model = models.User

    async def by_username(self, username: str) -> models.User | None:
        stmt = select(models.User).where(models.User.username == username)
        return (await self.session.execute(stmt)).scalar_one_or_none()
