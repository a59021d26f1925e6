"""Keeps the agency replica in step with routing-service's directory, and opens each agency's registers."""

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service.register.service import register as register_service
from kit_bus import Envelope, Handler
from kit_contracts import Event, OrgCreated, OrgUpdated
from kit_core import Clock

from .repository import AgencyRepository


def make_handlers(clock: Clock) -> dict[type[Event], Handler]:
    async def on_org_changed(
        session: AsyncSession, event: OrgCreated | OrgUpdated, envelope: Envelope
    ) -> None:
        now = clock.now()
        agency = await AgencyRepository(session).upsert(
            id=event.org_id,
            code=event.code,
            name=event.name,
            short_name=event.short_name,
            tier=event.tier,
            active=event.active,
            at=now,
        )
        # Not only on OrgCreated: an OrgUpdated may be the first we hear of an agency, and opening is
        # idempotent, so "every active agency has this year's registers" holds whichever event came first.
        if agency.active:
            await register_service.open_year(session, agency_id=agency.id, at=now)

    return {OrgCreated: on_org_changed, OrgUpdated: on_org_changed}
