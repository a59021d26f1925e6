"""Keeps the user replica (contacts, active flag, roles per agency) in step with identity-service."""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope
from kit_contracts import UserCreated, UserUpdated
from kit_core import get_logger

from .repository import UserRepository

log = get_logger(__name__)


async def on_user_changed(
    session: AsyncSession, event: UserCreated | UserUpdated, envelope: Envelope
) -> None:
    # Each event is a full snapshot stamped with its time: an older one arriving late (a replay) changes nothing.
    applied = await UserRepository(session).replace(
        id=event.user_id,
        username=event.username,
        full_name=event.full_name,
        email=event.email,
        phone=event.phone,
        active=event.active,
        roles=[(m.org_id, role) for m in event.memberships for role in m.roles],
        at=envelope.time,
    )
    if not applied:
        log.info("recipient.stale_snapshot_ignored", user_id=str(event.user_id), event_id=str(envelope.id))
