"""Every event handler of the service, in one table (the app and the CLI's consumer share it)."""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import DeliveryCreated, DeliveryStatusChanged, Event
from kit_core import Clock

from .directory_sync.handlers import HANDLERS as DIRECTORY_HANDLERS
from .packages.handlers import handlers as package_handlers
from .stats import handlers as stats_handlers

STATS: dict[type[Event], Handler] = {
    DeliveryCreated: stats_handlers.on_delivery_created,
    DeliveryStatusChanged: stats_handlers.on_status_changed,
}


def _both(first: Handler, second: Handler) -> Handler:
    """Two concerns of one event, in the same transaction (each is idempotent on its own)."""

    async def handle(session: AsyncSession, event: Event, envelope: Envelope) -> None:
        await first(session, event, envelope)
        await second(session, event, envelope)

    return handle


def handlers(clock: Clock | None = None) -> dict[type[Event], Handler]:
    table: dict[type[Event], Handler] = {**DIRECTORY_HANDLERS}
    for mine in (package_handlers(clock), STATS):
        for event_type, handler in mine.items():
            table[event_type] = _both(table[event_type], handler) if event_type in table else handler
    return table
