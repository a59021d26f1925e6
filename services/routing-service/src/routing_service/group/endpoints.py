from collections.abc import Sequence
from typing import Final
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from kit_core import AUTHENTICATION, MissingRole, OtherAgency, current_principal, problems
from kit_db import SessionDep
from routing_service import models
from routing_service.org.exceptions import OrgNotFound
from routing_service.org.schemas import Org

from .dependencies import OwnerToManage, OwnerToRead
from .exceptions import GroupNameTaken, GroupNotFound, RuleDoesNotFit, UnknownMember, UnknownRuleNode
from .schemas import RecipientGroup, RecipientGroupCreate
from .service import group as group_service

router = APIRouter(
    prefix="/api/v1/orgs/{org_id}/groups",
    tags=["recipient groups"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION),
)
READ: Final = (
    "Users of the owning agency (the agency their token acts for) may read its groups; "
    "a system administrator those of any agency."
)
MANAGE: Final = (
    "Clerks and agency administrators of the owning agency manage its groups; "
    "a system administrator those of any agency."
)


@router.post(
    "",
    response_model=RecipientGroup,
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        OtherAgency, MissingRole, OrgNotFound, GroupNameTaken, UnknownMember, UnknownRuleNode, RuleDoesNotFit
    ),
    description="A static list of agencies, or a rule resolved when the group is used. " + MANAGE,
)
async def create_group(
    owner: OwnerToManage, data: RecipientGroupCreate, session: SessionDep
) -> RecipientGroup:
    return await group_service.create(session, owner, data)


@router.get(
    "", response_model=list[RecipientGroup], responses=problems(OtherAgency, OrgNotFound), description=READ
)
async def list_groups(owner: OwnerToRead, session: SessionDep) -> list[RecipientGroup]:
    return await group_service.list(session, owner)


@router.get(
    "/{group_id}",
    response_model=RecipientGroup,
    responses=problems(OtherAgency, OrgNotFound, GroupNotFound),
    description=READ,
)
async def get_group(owner: OwnerToRead, group_id: UUID, session: SessionDep) -> RecipientGroup:
    return await group_service.get(session, owner, group_id)


@router.delete(
    "/{group_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(OtherAgency, MissingRole, OrgNotFound, GroupNotFound),
    description=MANAGE,
)
async def delete_group(owner: OwnerToManage, group_id: UUID, session: SessionDep) -> Response:
    await group_service.delete(session, owner, group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{group_id}/members",
    response_model=list[Org],
    responses=problems(OtherAgency, OrgNotFound, GroupNotFound),
    description="The member agencies as the directory stands now; inactive agencies are left out. " + READ,
)
async def list_group_members(owner: OwnerToRead, group_id: UUID, session: SessionDep) -> Sequence[models.Org]:
    return await group_service.members(session, owner, group_id)
