from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from kit_core import problems
from kit_db import SessionDep
from routing_service import models

from .exceptions import OrgCodeTaken, OrgNotFound, UnknownParent
from .schemas import Org, OrgCreate
from .service import org as org_service

router = APIRouter(prefix="/api/v1/orgs", tags=["orgs"])


@router.post(
    "",
    response_model=Org,
    status_code=status.HTTP_201_CREATED,
    responses=problems(OrgCodeTaken, UnknownParent),
)
async def create_org(data: OrgCreate, session: SessionDep) -> models.Org:
    return await org_service.create(session, data)


@router.get("", response_model=list[Org])
async def list_orgs(
    session: SessionDep,
    parent_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Sequence[models.Org]:
    return await org_service.list(session, parent_id=parent_id, limit=limit, offset=offset)


@router.get("/{org_id}", response_model=Org, responses=problems(OrgNotFound))
async def get_org(org_id: UUID, session: SessionDep) -> models.Org:
    return await org_service.get(session, org_id)
