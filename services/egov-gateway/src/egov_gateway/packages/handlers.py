"""DeliveryCreated: a delivery to an external agency becomes an outbound package; DeliveryStatusChanged
on a delivery that came in from the axis becomes a status package back to its sender (no network here)."""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import DeliveryCreated, DeliveryStatusChanged, Event
from kit_core import Clock, SystemClock

from .service import packages


def handlers(clock: Clock | None = None) -> dict[type[Event], Handler]:
    time = clock or SystemClock()

    async def on_delivery_created(session: AsyncSession, event: DeliveryCreated, envelope: Envelope) -> None:
        await packages.record_delivery(session, event, at=time.now())

    async def on_status_changed(
        session: AsyncSession, event: DeliveryStatusChanged, envelope: Envelope
    ) -> None:
        await packages.record_status(session, event, at=time.now())

    return {DeliveryCreated: on_delivery_created, DeliveryStatusChanged: on_status_changed}
