from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from identity_service import models
from kit_db import RepositoryBase


class ClientRepository(RepositoryBase[models.ApiClient]):
    model = models.ApiClient

    async def by_client_id(self, client_id: str) -> models.ApiClient | None:
        stmt = select(models.ApiClient).where(models.ApiClient.client_id == client_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def listing(self, *, agency_id: UUID | None, limit: int, offset: int) -> Sequence[models.ApiClient]:
        stmt = select(models.ApiClient)
        if agency_id is not None:
            stmt = stmt.where(models.ApiClient.agency_id == agency_id)
        stmt = stmt.order_by(models.ApiClient.created_at, models.ApiClient.id).limit(limit).offset(offset)
        return (await self.session.execute(stmt)).scalars().all()
