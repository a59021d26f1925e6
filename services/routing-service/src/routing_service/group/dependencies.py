"""Recipient groups belong to an agency: its users read them, its clerks and agency
administrators manage them; a system administrator does both for any agency."""

from typing import Annotated, Final
from uuid import UUID

from fastapi import Depends

from kit_core import CurrentPrincipal, Role, ensure_agency
from kit_db import SessionDep
from routing_service import models
from routing_service.org.service import org as org_service

MANAGERS: Final = (Role.CLERK, Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN)


async def owner_to_read(org_id: UUID, principal: CurrentPrincipal, session: SessionDep) -> models.Org:
    ensure_agency(principal, org_id)  # before the lookup: other agencies learn nothing, not even 404
    return await org_service.get(session, org_id)


async def owner_to_manage(org_id: UUID, principal: CurrentPrincipal, session: SessionDep) -> models.Org:
    ensure_agency(principal, org_id, roles=MANAGERS)
    return await org_service.get(session, org_id)


OwnerToRead = Annotated[models.Org, Depends(owner_to_read)]
OwnerToManage = Annotated[models.Org, Depends(owner_to_manage)]
