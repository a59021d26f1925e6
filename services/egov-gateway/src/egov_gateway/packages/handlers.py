"""DeliveryCreated: a delivery to an external agency becomes an outbound package (no network here)."""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import DeliveryCreated, Event
from kit_core import Clock, SystemClock

from .service import packages


def handlers(clock: Clock | None = None) -> dict[type[Event], Handler]:
    time = clock or SystemClock()

    async def on_delivery_created(session: AsyncSession, event: DeliveryCreated, envelope: Envelope) -> None:
        await packages.record_delivery(session, event, at=time.now())

    return {DeliveryCreated: on_delivery_created}
