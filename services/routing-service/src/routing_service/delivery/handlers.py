"""The recipient side's answers, from docs-service: arrived (01), registered (03), returned (02).

Applied a batch at a time (a broadcast's 491 copies answer 01 within a second or two): the
deliveries are read in one query and the trail entries written in one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Batched, Envelope, Handler
from kit_contracts import Event, IncomingReceived, IncomingRegistered, IncomingReturned, StatusCode
from kit_core import get_logger

from .repository import DeliveryRepository
from .service import StatusChange
from .service import delivery as delivery_service

log = get_logger(__name__)

Answer = IncomingReceived | IncomingRegistered | IncomingReturned


async def _apply(
    session: AsyncSession, events: Sequence[Answer], code: StatusCode, note: Callable[[Answer], str | None]
) -> None:
    found = await DeliveryRepository(session).with_dispatches({e.delivery_id for e in events})
    changes: list[StatusChange] = []
    for event in events:
        pair = found.get(event.delivery_id)
        if pair is None:
            log.warning("delivery.unknown", delivery_id=str(event.delivery_id), status=code.value)
            continue
        delivery, dispatch = pair
        if delivery.recipient_org_id != event.org_id:
            log.warning(
                "delivery.wrong_recipient",
                delivery_id=str(delivery.id),
                recipient=str(delivery.recipient_org_id),
                reported_by=str(event.org_id),
            )
            continue
        changes.append(
            StatusChange(
                delivery, dispatch, code, event.occurred_at, actor_id=event.actor_id, note=note(event)
            )
        )
    await delivery_service.record_many(session, changes)


def _batched(code: StatusCode, note: Callable[[Answer], str | None]) -> Batched:
    async def apply(session: AsyncSession, batch: list[tuple[Answer, Envelope]]) -> None:
        await _apply(session, [event for event, _ in batch], code, note)

    return Batched(apply)


def _arrival_number(event: Answer) -> str | None:
    return f"Số đến {event.arrival_number}" if isinstance(event, IncomingRegistered) else None


def _reason(event: Answer) -> str | None:
    return event.reason if isinstance(event, IncomingReturned) else None


HANDLERS: dict[type[Event], Handler] = {
    IncomingReceived: _batched(StatusCode.ARRIVED, lambda _: None),
    IncomingRegistered: _batched(StatusCode.ACCEPTED, _arrival_number),
    IncomingReturned: _batched(StatusCode.REFUSED, _reason),
}
