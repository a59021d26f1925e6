from uuid import UUID

from fastapi import APIRouter, status

from identity_service import models
from kit_core import problems
from kit_db import SessionDep

from .exceptions import UnknownAgency, UsernameTaken, UserNotFound
from .schemas import User, UserCreate
from .service import user as user_service

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.post(
    "",
    response_model=User,
    status_code=status.HTTP_201_CREATED,
    responses=problems(UnknownAgency, UsernameTaken),
)
async def create_user(data: UserCreate, session: SessionDep) -> models.User:
    return await user_service.create(session, data)


@router.get("/{user_id}", response_model=User, responses=problems(UserNotFound))
async def get_user(user_id: UUID, session: SessionDep) -> models.User:
    return await user_service.get(session, user_id)
