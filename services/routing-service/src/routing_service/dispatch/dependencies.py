from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header

from kit_core import CurrentPrincipal
from kit_db import SessionDep
from routing_service import models

from .service import dispatch as dispatch_service

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="the same key with the same body answers with the first result; with another body, 422",
    ),
]


async def dispatch_of_sender(
    dispatch_id: UUID, principal: CurrentPrincipal, session: SessionDep
) -> models.Dispatch:
    return await dispatch_service.readable(session, principal, dispatch_id)


DispatchOfSender = Annotated[models.Dispatch, Depends(dispatch_of_sender)]
