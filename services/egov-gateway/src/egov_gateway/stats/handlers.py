"""The facts the statistics count: new deliveries and their 06."""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope
from kit_contracts import DeliveryCreated, DeliveryStatusChanged

from .service import stats


async def on_delivery_created(session: AsyncSession, event: DeliveryCreated, envelope: Envelope) -> None:
    await stats.record_delivery(session, event)


async def on_status_changed(session: AsyncSession, event: DeliveryStatusChanged, envelope: Envelope) -> None:
    await stats.record_status(session, event)
