"""Who may touch a document: users of the owning agency only (another agency's is 404), with the
role each step needs."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Final
from uuid import UUID

from fastapi import Depends, Request

from docs_service import models
from kit_core import Clock, CurrentPrincipal, Principal, Role, ensure_roles
from kit_db import SessionDep

from .exceptions import NoAgency
from .service import document as document_service

DRAFTERS: Final = (Role.SPECIALIST, Role.LEADER)
LEADERS: Final = (Role.LEADER,)
CLERKS: Final = (Role.CLERK,)
RECALLERS: Final = (Role.CLERK, Role.LEADER)


def clock(request: Request) -> Clock:
    found: Clock = request.app.state.clock
    return found


Now = Annotated[Clock, Depends(clock)]


def acting_agency(principal: CurrentPrincipal) -> UUID:
    if principal.agency_id is None:
        raise NoAgency("the token acts for no agency; documents belong to one")
    return principal.agency_id


AgencyId = Annotated[UUID, Depends(acting_agency)]


async def readable(document_id: UUID, principal: CurrentPrincipal, session: SessionDep) -> models.Document:
    return await document_service.get_owned(session, principal, document_id)


def _for(roles: tuple[str, ...]) -> Callable[..., Awaitable[models.Document]]:
    async def dependency(
        document_id: UUID, principal: CurrentPrincipal, session: SessionDep
    ) -> models.Document:
        doc = await document_service.get_owned(session, principal, document_id, lock=True)
        ensure_roles(principal, *roles)
        return doc

    return dependency


ReadableDocument = Annotated[models.Document, Depends(readable)]
DocumentForDrafter = Annotated[models.Document, Depends(_for(DRAFTERS))]
DocumentForLeader = Annotated[models.Document, Depends(_for(LEADERS))]
DocumentForClerk = Annotated[models.Document, Depends(_for(CLERKS))]
DocumentForRecall = Annotated[models.Document, Depends(_for(RECALLERS))]


def drafter(principal: CurrentPrincipal) -> Principal:
    ensure_roles(principal, *DRAFTERS)
    return principal


Drafter = Annotated[Principal, Depends(drafter)]
