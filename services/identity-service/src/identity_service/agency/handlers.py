"""Keeps the agency replica in step with routing-service's directory."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import Event, OrgCreated, OrgUpdated

from .repository import AgencyRepository


async def on_org_changed(session: AsyncSession, event: OrgCreated | OrgUpdated, envelope: Envelope) -> None:
    repo = AgencyRepository(session)
    now = datetime.now(UTC)
    await repo.upsert(
        id=event.org_id,
        code=event.code,
        name=event.name,
        tier=event.tier,
        parent_id=event.parent_id,
        active=event.active,
        at=now,
    )
    await repo.record_change(event_id=envelope.id, agency_id=event.org_id, kind=envelope.type, at=now)


HANDLERS: dict[type[Event], Handler] = {OrgCreated: on_org_changed, OrgUpdated: on_org_changed}
