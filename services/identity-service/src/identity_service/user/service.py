"""Users, their memberships (roles per agency) and what administrators may do to them.

A system administrator may do anything. An agency administrator acts only inside the agency their
token acts for: they create users there, grant roles there (never system_admin), and manage only
users whose every membership is in that agency and who are not system administrators, so nobody
can take over an account that also acts for another agency. ``actor=None`` is the system itself
(the bootstrap command and the demo seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.agency.repository import AgencyRepository
from identity_service.audit.service import audit as audit_service
from identity_service.dependencies import Context
from identity_service.models import Role
from identity_service.otp.service import factors as factor_service
from identity_service.password.service import password as password_service
from identity_service.session.dependencies import Principal
from identity_service.session.repository import SessionRepository
from kit_bus import outbox
from kit_contracts import Membership, NotificationRequested, UserCreated, UserUpdated
from kit_core import new_id

from .exceptions import NotAllowed, NotOnYourself, UnknownAgency, UsernameTaken, UserNotFound
from .repository import MembershipRepository, UserRepository
from .schemas import UserCreate, UserUpdate


def memberships(user: models.User) -> list[Membership]:
    """The user's roles grouped per agency, as the user events carry them."""
    by_agency: dict[UUID, list[str]] = {}
    for membership in user.memberships:
        by_agency.setdefault(membership.agency_id, []).append(str(membership.role))
    return [
        Membership(org_id=agency_id, roles=sorted(roles))
        for agency_id, roles in sorted(by_agency.items(), key=lambda item: str(item[0]))
    ]


def snapshot(user: models.User) -> dict[str, Any]:
    """What the user events carry; other services replicate it (notify resolves recipients from it)."""
    return {
        "user_id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "active": user.active,
        "memberships": memberships(user),
    }


class UserService:
    def _may_grant(self, actor: Principal | None, agency_id: UUID, roles: Sequence[str]) -> None:
        if actor is None or actor.is_system_admin:
            return
        if not actor.is_agency_admin or agency_id != actor.agency_id:
            raise NotAllowed("Quản trị đơn vị chỉ cấp vai trò tại chính đơn vị mình.")
        if Role.SYSTEM_ADMIN in roles:
            raise NotAllowed("Chỉ quản trị hệ thống mới cấp được vai trò quản trị hệ thống.")

    def _may_manage(self, actor: Principal | None, user: models.User) -> None:
        if actor is None or actor.is_system_admin:
            return
        if not actor.is_agency_admin:
            raise NotAllowed("Chỉ quản trị hệ thống hoặc quản trị đơn vị được làm việc này.")
        agencies = {m.agency_id for m in user.memberships} or {user.agency_id}
        if agencies != {actor.agency_id} or any(m.role == Role.SYSTEM_ADMIN for m in user.memberships):
            raise NotAllowed(
                "Quản trị đơn vị chỉ quản lý người dùng thuộc riêng đơn vị mình; "
                "tài khoản này do quản trị hệ thống quản lý."
            )

    async def _agency(self, session: AsyncSession, agency_id: UUID) -> models.Agency:
        agency = await AgencyRepository(session).get(agency_id)
        if agency is None or not agency.active:
            raise UnknownAgency(
                f"agency {agency_id} is not in the directory (or not active); "
                "create it in routing-service first, or wait a moment for it to replicate"
            )
        return agency

    async def get(self, session: AsyncSession, user_id: UUID) -> models.User:
        user = await UserRepository(session).loaded(user_id)
        if user is None:
            raise UserNotFound(f"no user with id {user_id}")
        return user

    async def view(self, session: AsyncSession, user_id: UUID, *, actor: Principal) -> models.User:
        user = await self.get(session, user_id)
        if user.id != actor.user_id:
            self._may_manage(actor, user)
        return user

    async def manageable(
        self, session: AsyncSession, user_id: UUID, *, actor: Principal | None
    ) -> models.User:
        user = await self.get(session, user_id)
        self._may_manage(actor, user)
        return user

    async def listing(
        self,
        session: AsyncSession,
        ctx: Context,
        *,
        actor: Principal,
        agency_id: UUID | None,
        locked: bool,
        limit: int,
        offset: int,
    ) -> Sequence[models.User]:
        if not actor.is_system_admin:
            if agency_id not in (None, actor.agency_id):
                raise NotAllowed("Quản trị đơn vị chỉ xem người dùng của đơn vị mình.")
            agency_id = actor.agency_id
        return await UserRepository(session).listing(
            agency_id=agency_id, locked_at=ctx.now() if locked else None, limit=limit, offset=offset
        )

    async def create(
        self, session: AsyncSession, ctx: Context, data: UserCreate, *, actor: Principal | None
    ) -> models.User:
        self._may_grant(actor, data.agency_id, data.roles)
        agency = await self._agency(session, data.agency_id)
        users = UserRepository(session)
        if await users.by_username(data.username) is not None:
            raise UsernameTaken(f"username {data.username!r} is already in use; choose another")
        now = ctx.now()
        user = models.User(
            id=new_id(),
            username=data.username,
            full_name=data.full_name,
            agency_id=agency.id,
            email=data.email,
            phone=data.phone,
            active=True,
            created_at=now,
            updated_at=now,
        )
        if data.password is not None:
            await password_service.set(ctx, user, data.password)
        await users.add(user)
        await MembershipRepository(session).replace_roles(
            user_id=user.id, agency_id=agency.id, roles=data.roles, at=now
        )
        created = await self.get(session, user.id)
        await outbox.add(
            session,
            UserCreated(org_id=agency.id, **snapshot(created)),
        )
        await outbox.add(
            session,
            NotificationRequested(
                request_id=new_id(),
                kind="user.welcome",
                user_ids=[user.id],
                org_id=agency.id,
                data={"full_name": user.full_name, "username": user.username, "agency_name": agency.name},
                idempotency_key=f"user.welcome:{user.id}",
            ),
        )
        await audit_service.record(
            session,
            ctx,
            "user.created",
            user=user,
            agency_id=agency.id,
            actor_id=actor.user_id if actor else None,
            roles=list(data.roles),
        )
        return await self.get(session, user.id)

    async def update(
        self, session: AsyncSession, ctx: Context, user_id: UUID, data: UserUpdate, *, actor: Principal
    ) -> models.User:
        user = await self.manageable(session, user_id, actor=actor)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("full_name") is None:
            changes.pop("full_name", None)  # a name cannot be removed, only changed
        for field, value in changes.items():
            setattr(user, field, value)
        user.updated_at = ctx.now()
        await session.flush()
        user = await self.get(session, user.id)
        await outbox.add(session, UserUpdated(**snapshot(user)))
        return user

    async def set_active(
        self, session: AsyncSession, ctx: Context, user_id: UUID, *, active: bool, actor: Principal
    ) -> models.User:
        if user_id == actor.user_id:
            raise NotOnYourself("Không thể tự khóa hoặc mở khóa tài khoản của chính mình.")
        user = await self.manageable(session, user_id, actor=actor)
        if user.active == active:
            return user
        now = ctx.now()
        user.active, user.updated_at = active, now
        if not active:
            await SessionRepository(session).revoke_for_user(user.id, at=now, reason="disabled")
        await session.flush()
        await audit_service.record(
            session, ctx, "user.enabled" if active else "user.disabled", user=user, actor_id=actor.user_id
        )
        user = await self.get(session, user.id)
        await outbox.add(session, UserUpdated(**snapshot(user)))
        return user

    async def set_roles(
        self,
        session: AsyncSession,
        ctx: Context,
        user_id: UUID,
        agency_id: UUID,
        roles: Sequence[Role],
        *,
        actor: Principal | None,
    ) -> models.User:
        """Replace the user's roles in one agency (an empty list removes the membership)."""
        user = await self.manageable(session, user_id, actor=actor)
        self._may_grant(actor, agency_id, roles)
        if roles:
            await self._agency(session, agency_id)
        before = sorted(m.role for m in user.memberships if m.agency_id == agency_id)
        now = ctx.now()
        await MembershipRepository(session).replace_roles(
            user_id=user.id, agency_id=agency_id, roles=roles, at=now
        )
        user = await self.get(session, user.id)
        remaining = {m.agency_id for m in user.memberships}
        if not roles:  # tokens acting for that agency must not be refreshed any more
            await SessionRepository(session).revoke_for_user(
                user.id, at=now, reason="membership_removed", agency_id=agency_id
            )
        if user.agency_id not in remaining and remaining:
            user.agency_id = min(remaining, key=lambda a: str(a))
        user.updated_at = now
        await session.flush()
        await audit_service.record(
            session,
            ctx,
            "roles.changed",
            user=user,
            agency_id=agency_id,
            actor_id=actor.user_id if actor else None,
            before=before,
            after=sorted(str(r) for r in roles),
        )
        user = await self.get(session, user.id)
        await outbox.add(session, UserUpdated(**snapshot(user)))
        return user

    async def reset_factors(
        self, session: AsyncSession, ctx: Context, user_id: UUID, *, actor: Principal
    ) -> models.User:
        user = await self.manageable(session, user_id, actor=actor)
        await SessionRepository(session).revoke_for_user(user.id, at=ctx.now(), reason="factors_reset")
        await factor_service.reset(session, ctx, user, actor_id=actor.user_id)
        return user

    async def request_password_reset(
        self, session: AsyncSession, ctx: Context, user_id: UUID, *, actor: Principal
    ) -> models.PasswordReset:
        user = await self.manageable(session, user_id, actor=actor)
        return await password_service.request_reset(session, ctx, user, actor_id=actor.user_id)


user = UserService()
