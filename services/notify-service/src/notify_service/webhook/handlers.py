"""Routing's and docs' events into webhook deliveries for matching subscriptions (rows only)."""

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import DeliveryStatusChanged, DocumentIssued, Event
from notify_service.dependencies import NotifyState

from .service import webhooks


def make_webhook_handlers(state: NotifyState) -> dict[type[Event], Handler]:
    async def on_delivery_status_changed(
        session: AsyncSession, event: DeliveryStatusChanged, envelope: Envelope
    ) -> None:
        await webhooks.on_delivery_status_changed(session, event, envelope.id, state)

    async def on_document_issued(session: AsyncSession, event: DocumentIssued, envelope: Envelope) -> None:
        await webhooks.on_document_issued(session, event, envelope.id, state)

    return {DeliveryStatusChanged: on_delivery_status_changed, DocumentIssued: on_document_issued}
