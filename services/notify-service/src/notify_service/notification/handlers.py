"""Requests from the other services become notifications and deliveries; the worker sends them.

A handler only records rows (no network in a consumer): the sending worker is woken on commit.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler, PermanentError
from kit_contracts import Event, NotificationRequested, UserCreated, UserUpdated
from kit_core import AppError
from notify_service.dependencies import NotifyState
from notify_service.recipient.handlers import on_user_changed

from .service import notification as notification_service


def make_handlers(state: NotifyState) -> dict[type[Event], Handler]:
    async def on_notification_requested(
        session: AsyncSession, event: NotificationRequested, envelope: Envelope
    ) -> None:
        try:
            await notification_service.request(session, event, source=envelope.source, state=state)
        except AppError as exc:
            # Retrying cannot help: the request itself is wrong, so it goes to the dead letters for a person to see.
            raise PermanentError(exc.detail) from exc

    return {
        NotificationRequested: on_notification_requested,
        UserCreated: on_user_changed,
        UserUpdated: on_user_changed,
    }
