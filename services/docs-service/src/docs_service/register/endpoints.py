from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from docs_service import models
from kit_core import problems
from kit_db import SessionDep

from .exceptions import RegisterNotFound, UnknownAgency
from .schemas import Register
from .service import register as register_service

router = APIRouter(prefix="/api/v1/registers", tags=["registers"])


@router.get("", response_model=list[Register], responses=problems(UnknownAgency))
async def list_registers(
    session: SessionDep,
    org_id: Annotated[
        UUID, Query(description="the agency whose registers to list (from the routing directory)")
    ],
    year: Annotated[
        int | None, Query(ge=1945, le=9999, description="only this calendar year; omit for all years")
    ] = None,
) -> Sequence[models.Register]:
    return await register_service.list_for_agency(session, org_id, year=year)


@router.get("/{register_id}", response_model=Register, responses=problems(RegisterNotFound))
async def get_register(register_id: UUID, session: SessionDep) -> models.Register:
    return await register_service.get(session, register_id)
