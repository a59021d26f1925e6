"""Who may do what with the directory (each endpoint's description repeats its rule).

Reading needs any signed-in user; creating agencies and importing CSV need a system
administrator; editing needs a system administrator, except that an agency administrator may
change the contact details (address, phone, email, website) of the agency their token acts for.
"""

from typing import Annotated, Final
from uuid import UUID

from fastapi import Depends

from kit_core import Principal, Role, ensure_agency, require_roles
from kit_db import SessionDep
from routing_service import models

from .exceptions import ContactDetailsOnly
from .schemas import OrgUpdate
from .service import org as org_service

CONTACT_FIELDS: Final = frozenset({"address", "phone", "email", "website"})

SystemAdmin = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN))]


async def org_from_path(org_id: UUID, session: SessionDep) -> models.Org:
    return await org_service.get(session, org_id)


OrgFromPath = Annotated[models.Org, Depends(org_from_path)]


def authorize_edit(principal: Principal, org_id: UUID, data: OrgUpdate) -> None:
    if principal.is_system_admin:
        return
    ensure_agency(principal, org_id, roles=(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN))
    others = sorted(data.model_fields_set - CONTACT_FIELDS)
    if others:
        raise ContactDetailsOnly(
            f"an agency administrator may change only the contact details ({', '.join(sorted(CONTACT_FIELDS))}) "
            f"of their own agency; {', '.join(others)} need a system administrator",
            fields=others,
        )
