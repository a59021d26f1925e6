from typing import Annotated
from uuid import UUID

from fastapi import Depends

from kit_db import SessionDep
from routing_service import models

from .service import org as org_service


async def org_from_path(org_id: UUID, session: SessionDep) -> models.Org:
    return await org_service.get(session, org_id)


OrgFromPath = Annotated[models.Org, Depends(org_from_path)]
