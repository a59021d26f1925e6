"""The recipient side's answers, from docs-service: arrived (01), registered (03), returned (02)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import Event, IncomingReceived, IncomingRegistered, IncomingReturned, StatusCode
from kit_core import get_logger

from .repository import DeliveryRepository
from .service import delivery as delivery_service

log = get_logger(__name__)


async def _apply(
    session: AsyncSession,
    event: IncomingReceived | IncomingRegistered | IncomingReturned,
    code: StatusCode,
    note: str | None,
) -> None:
    found = await DeliveryRepository(session).with_dispatch(event.delivery_id)
    if found is None:
        log.warning("delivery.unknown", delivery_id=str(event.delivery_id), status=code.value)
        return
    delivery, dispatch = found
    if delivery.recipient_org_id != event.org_id:
        log.warning(
            "delivery.wrong_recipient",
            delivery_id=str(delivery.id),
            recipient=str(delivery.recipient_org_id),
            reported_by=str(event.org_id),
        )
        return
    await delivery_service.record(
        session, delivery, dispatch, code, occurred_at=event.occurred_at, actor_id=event.actor_id, note=note
    )


async def on_incoming_received(session: AsyncSession, event: IncomingReceived, envelope: Envelope) -> None:
    await _apply(session, event, StatusCode.ARRIVED, None)


async def on_incoming_registered(
    session: AsyncSession, event: IncomingRegistered, envelope: Envelope
) -> None:
    await _apply(session, event, StatusCode.ACCEPTED, f"Số đến {event.arrival_number}")


async def on_incoming_returned(session: AsyncSession, event: IncomingReturned, envelope: Envelope) -> None:
    await _apply(session, event, StatusCode.REFUSED, event.reason)


HANDLERS: dict[type[Event], Handler] = {
    IncomingReceived: on_incoming_received,
    IncomingRegistered: on_incoming_registered,
    IncomingReturned: on_incoming_returned,
}
