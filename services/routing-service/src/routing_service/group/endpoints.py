from collections.abc import Sequence
from uuid import UUID

from fastapi import APIRouter, Response, status

from kit_core import problems
from kit_db import SessionDep
from routing_service import models
from routing_service.org.dependencies import OrgFromPath
from routing_service.org.exceptions import OrgNotFound
from routing_service.org.schemas import Org

from .exceptions import GroupNameTaken, GroupNotFound, RuleDoesNotFit, UnknownMember, UnknownRuleNode
from .schemas import RecipientGroup, RecipientGroupCreate
from .service import group as group_service

router = APIRouter(prefix="/api/v1/orgs/{org_id}/groups", tags=["recipient groups"])


@router.post(
    "",
    response_model=RecipientGroup,
    status_code=status.HTTP_201_CREATED,
    responses=problems(OrgNotFound, GroupNameTaken, UnknownMember, UnknownRuleNode, RuleDoesNotFit),
)
async def create_group(owner: OrgFromPath, data: RecipientGroupCreate, session: SessionDep) -> RecipientGroup:
    return await group_service.create(session, owner, data)


@router.get("", response_model=list[RecipientGroup], responses=problems(OrgNotFound))
async def list_groups(owner: OrgFromPath, session: SessionDep) -> list[RecipientGroup]:
    return await group_service.list(session, owner)


@router.get("/{group_id}", response_model=RecipientGroup, responses=problems(OrgNotFound, GroupNotFound))
async def get_group(owner: OrgFromPath, group_id: UUID, session: SessionDep) -> RecipientGroup:
    return await group_service.get(session, owner, group_id)


@router.delete(
    "/{group_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(OrgNotFound, GroupNotFound)
)
async def delete_group(owner: OrgFromPath, group_id: UUID, session: SessionDep) -> Response:
    await group_service.delete(session, owner, group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{group_id}/members", response_model=list[Org], responses=problems(OrgNotFound, GroupNotFound))
async def list_group_members(owner: OrgFromPath, group_id: UUID, session: SessionDep) -> Sequence[models.Org]:
    """The member agencies as the directory stands now; inactive agencies are left out."""
    return await group_service.members(session, owner, group_id)
