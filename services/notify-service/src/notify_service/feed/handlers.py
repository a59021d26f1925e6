"""Turns notification requests from the other services into feed items."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler, PermanentError
from kit_contracts import Event, NotificationRequested

from .service import feed as feed_service


async def on_notification_requested(
    session: AsyncSession, event: NotificationRequested, envelope: Envelope
) -> None:
    if not event.user_ids:
        # Retrying cannot help: the request itself is wrong, so it goes to the dead letters for a person to see.
        raise PermanentError(
            f"notification request {event.request_id} ({event.kind}) names no users; user_ids must list at "
            "least one user (notifying a whole agency by org_id is not supported yet)"
        )
    await feed_service.deliver(session, event, at=datetime.now(UTC))


HANDLERS: dict[type[Event], Handler] = {NotificationRequested: on_notification_requested}
