"""egov-gateway's reports from the national axis."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import Event, ExternalStatusReceived, ExternalTransportChanged, InboundDocumentReceived

from .service import external as external_service


async def on_transport_changed(
    session: AsyncSession, event: ExternalTransportChanged, envelope: Envelope
) -> None:
    await external_service.transport_changed(session, event)


async def on_status_received(
    session: AsyncSession, event: ExternalStatusReceived, envelope: Envelope
) -> None:
    await external_service.status_received(session, event)


async def on_inbound_received(
    session: AsyncSession, event: InboundDocumentReceived, envelope: Envelope
) -> None:
    await external_service.inbound(session, event)


HANDLERS: dict[type[Event], Handler] = {
    ExternalTransportChanged: on_transport_changed,
    ExternalStatusReceived: on_status_received,
    InboundDocumentReceived: on_inbound_received,
}
