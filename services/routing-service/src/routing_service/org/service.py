from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import outbox
from kit_contracts import OrgCreated
from kit_core import new_id
from routing_service import models

from .exceptions import OrgCodeTaken, OrgNotFound, UnknownParent
from .repository import OrgRepository
from .schemas import OrgCreate


class OrgService:
    async def create(self, session: AsyncSession, data: OrgCreate) -> models.Org:
        repo = OrgRepository(session)
        if await repo.by_code(data.code) is not None:
            raise OrgCodeTaken(f"agency code {data.code} is already used by another agency")
        if data.parent_id is not None and await repo.get(data.parent_id) is None:
            raise UnknownParent(f"parent agency {data.parent_id} does not exist")
        org = await repo.add(
            models.Org(
                id=new_id(),
                code=data.code,
                name=data.name,
                short_name=data.short_name,
                tier=data.tier.value,
                parent_id=data.parent_id,
                external=data.external,
                active=True,
                created_at=datetime.now(UTC),
            )
        )
        await outbox.add(
            session,
            OrgCreated(
                org_id=org.id,
                code=org.code,
                name=org.name,
                short_name=org.short_name,
                tier=data.tier,
                parent_id=org.parent_id,
                external=org.external,
            ),
        )
        return org

    async def get(self, session: AsyncSession, org_id: UUID) -> models.Org:
        org = await OrgRepository(session).get(org_id)
        if org is None:
            raise OrgNotFound(f"no agency with id {org_id}")
        return org

    async def list(
        self, session: AsyncSession, *, parent_id: UUID | None, limit: int, offset: int
    ) -> Sequence[models.Org]:
        return await OrgRepository(session).list(
            parent_id=str(parent_id) if parent_id else None, limit=limit, offset=offset
        )


org = OrgService()
