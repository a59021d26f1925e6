"""Keeps the gateway's routing table in step with routing-service's directory."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import Event, OrgCreated, OrgUpdated

from .service import directory as directory_service


async def on_org_changed(session: AsyncSession, event: OrgCreated | OrgUpdated, envelope: Envelope) -> None:
    await directory_service.apply(session, event, active=event.active, at=datetime.now(UTC))


HANDLERS: dict[type[Event], Handler] = {OrgCreated: on_org_changed, OrgUpdated: on_org_changed}
