from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from identity_service import models
from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.password.exceptions import WeakPassword
from identity_service.password.schemas import PasswordResetRequested
from identity_service.session.dependencies import AdminPrincipal, CurrentPrincipal
from identity_service.session.exceptions import SessionEnded
from kit_core import Forbidden, problems
from kit_db import SessionDep

from .exceptions import NotAllowed, NotOnYourself, UnknownAgency, UsernameTaken, UserNotFound
from .schemas import RolesUpdate, User, UserCreate, UserUpdate
from .service import user as user_service

router = APIRouter(prefix="/api/v1/users", tags=["users"])
AUTH = (InvalidToken, SessionEnded)
ADMIN = (*AUTH, Forbidden, NotAllowed, UserNotFound)


@router.post(
    "",
    response_model=User,
    status_code=status.HTTP_201_CREATED,
    responses=problems(*AUTH, Forbidden, NotAllowed, UnknownAgency, UsernameTaken, WeakPassword),
)
async def create_user(
    data: UserCreate, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.User:
    return await user_service.create(session, ctx, data, actor=admin)


@router.get("", response_model=list[User], responses=problems(*AUTH, Forbidden, NotAllowed))
async def list_users(
    admin: AdminPrincipal,
    session: SessionDep,
    ctx: ContextDep,
    agency_id: UUID | None = None,
    locked: Annotated[bool, Query(description="only accounts locked now")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[models.User]:
    found = await user_service.listing(
        session, ctx, actor=admin, agency_id=agency_id, locked=locked, limit=limit, offset=offset
    )
    return list(found)


@router.get("/me", response_model=User, responses=problems(*AUTH))
async def get_me(principal: CurrentPrincipal, session: SessionDep) -> models.User:
    return await user_service.get(session, principal.user_id)


@router.get("/{user_id}", response_model=User, responses=problems(*AUTH, NotAllowed, UserNotFound))
async def get_user(user_id: UUID, principal: CurrentPrincipal, session: SessionDep) -> models.User:
    return await user_service.view(session, user_id, actor=principal)


@router.patch("/{user_id}", response_model=User, responses=problems(*ADMIN))
async def update_user(
    user_id: UUID, data: UserUpdate, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.User:
    return await user_service.update(session, ctx, user_id, data, actor=admin)


@router.post(
    "/{user_id}/disable",
    response_model=User,
    responses=problems(*ADMIN, NotOnYourself),
    summary="Disable the account; its sessions end at once",
)
async def disable_user(
    user_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.User:
    return await user_service.set_active(session, ctx, user_id, active=False, actor=admin)


@router.post("/{user_id}/enable", response_model=User, responses=problems(*ADMIN, NotOnYourself))
async def enable_user(
    user_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.User:
    return await user_service.set_active(session, ctx, user_id, active=True, actor=admin)


@router.put(
    "/{user_id}/memberships/{agency_id}",
    response_model=User,
    responses=problems(*ADMIN, UnknownAgency),
    summary="Set the user's roles in one agency (adds the membership if new)",
)
async def set_roles(
    user_id: UUID,
    agency_id: UUID,
    data: RolesUpdate,
    admin: AdminPrincipal,
    session: SessionDep,
    ctx: ContextDep,
) -> models.User:
    return await user_service.set_roles(session, ctx, user_id, agency_id, data.roles, actor=admin)


@router.delete(
    "/{user_id}/memberships/{agency_id}",
    response_model=User,
    responses=problems(*ADMIN),
    summary="Remove the user from one agency; sessions acting for it end",
)
async def remove_membership(
    user_id: UUID, agency_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.User:
    return await user_service.set_roles(session, ctx, user_id, agency_id, [], actor=admin)


@router.post(
    "/{user_id}/factors/reset",
    response_model=User,
    responses=problems(*ADMIN),
    summary="Remove TOTP and backup codes (the user enrols again at next login); sessions end",
)
async def reset_factors(
    user_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.User:
    return await user_service.reset_factors(session, ctx, user_id, actor=admin)


@router.post(
    "/{user_id}/password-reset",
    response_model=PasswordResetRequested,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(*ADMIN),
    summary="Send the user a one-time link (30 min) to set a new password, through notify-service",
)
async def request_password_reset(
    user_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.PasswordReset:
    return await user_service.request_password_reset(session, ctx, user_id, actor=admin)
