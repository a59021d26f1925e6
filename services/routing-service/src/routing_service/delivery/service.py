"""The delivery's two states: transport (did it get there) and the business status trail (what the
recipient did with it). Every new trail entry is published as ``DeliveryStatusChanged``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Runtime, Worker, outbox
from kit_contracts import (
    BusinessType,
    DeliveryCreated,
    DeliveryStatusChanged,
    DocumentSummary,
    NotificationRequested,
    StatusCode,
)
from kit_core import Clock, Principal, Role, ensure_agency, get_logger, new_id
from routing_service import models
from routing_service.config import Settings
from routing_service.dependencies import VIETNAM
from routing_service.dispatch.repository import IssuedDocumentRepository
from routing_service.org.repository import OrgRepository

from .exceptions import DeliveryNotFound, IllegalTransition, NotARecall
from .repository import SETTLED, DeliveryRepository
from .schemas import STATUS_NAMES, Delivery, DeliveryDetail, InboxCounts, InboxFilter, TrailEntry, Transport

log = get_logger(__name__)

# How far along a new-document delivery is; a status may only move to a higher step.
# 02 (refused) and 03 (accepted) are the two answers to an arrival: nothing follows 02.
STEP: Final[dict[StatusCode | None, int]] = {
    None: 0,
    StatusCode.ARRIVED: 1,
    StatusCode.REFUSED: 2,
    StatusCode.ACCEPTED: 2,
    StatusCode.ASSIGNED: 3,
    StatusCode.PROCESSING: 4,
    StatusCode.COMPLETED: 5,
}
RECALL_ANSWERS: Final = (StatusCode.RECALL_ACCEPTED, StatusCode.RECALL_REFUSED)


def label(code: StatusCode | str | None) -> str:
    if code is None:
        return "no status yet"
    status = StatusCode(code)
    return f"{status.value} ({STATUS_NAMES[status]})"


def refusal(delivery: models.Delivery, code: StatusCode) -> str | None:
    """Why ``code`` cannot follow the delivery's current status; None when it may."""
    current = StatusCode(delivery.status) if delivery.status else None
    if delivery.business_type == BusinessType.REVOKE:
        if code is StatusCode.ARRIVED:
            return None if current is None else f"the recall is already at {label(current)}"
        if code in RECALL_ANSWERS:
            return (
                None
                if current in (None, StatusCode.ARRIVED)
                else f"the recall was answered: {label(current)}"
            )
        return f"a recall delivery takes only 01, 15 or 16, not {label(code)}"
    if code in RECALL_ANSWERS:
        return f"{label(code)} answers a recall; this delivery carries the document itself"
    if current is StatusCode.REFUSED:
        return f"the delivery was refused ({label(current)}); no status follows a refusal"
    if STEP[code] <= STEP[current]:
        return f"{label(code)} cannot follow {label(current)}: a delivery's status only moves forward"
    return None


def is_overdue(delivery: models.Delivery, on: date) -> bool:
    return (
        delivery.business_type == BusinessType.NEW
        and delivery.deadline is not None
        and delivery.deadline < on
        and delivery.status not in SETTLED
    )


def failure_notice(delivery: models.Delivery, dispatch: models.Dispatch) -> NotificationRequested:
    """Tell the sender's clerks a delivery was given up (once per delivery: the key dedupes)."""
    return NotificationRequested(
        request_id=new_id(),
        kind="delivery.failed",
        org_id=dispatch.sender_org_id,
        org_roles=[Role.CLERK.value],
        data={
            "delivery_id": str(delivery.id),
            "dispatch_id": str(delivery.dispatch_id),
            "recipient_code": delivery.recipient_code,
            "exchange_id": dispatch.exchange_id,
            "attempts": delivery.attempts,
            "external": delivery.external,
        },
        idempotency_key=f"delivery.failed:{delivery.id}",
    )


@dataclass(frozen=True)
class StatusChange:
    """One status for one delivery's trail."""

    delivery: models.Delivery
    dispatch: models.Dispatch
    code: StatusCode
    occurred_at: datetime
    actor_id: UUID | None = None
    actor_name: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.actor_name:
            object.__setattr__(self, "actor_name", self.actor_name[:100])


class DeliveryService:
    async def record(
        self,
        session: AsyncSession,
        delivery: models.Delivery,
        dispatch: models.Dispatch,
        code: StatusCode,
        *,
        occurred_at: datetime,
        actor_id: UUID | None = None,
        actor_name: str | None = None,
        note: str | None = None,
        strict: bool = False,
    ) -> bool:
        """Add ``code`` to the trail and publish it; a status out of order raises if ``strict``,
        else it is logged and dropped (a late or replayed event must change nothing)."""
        change = StatusChange(delivery, dispatch, code, occurred_at, actor_id, actor_name, note)
        return bool(await self.record_many(session, [change], strict=strict))

    async def record_many(
        self, session: AsyncSession, changes: Sequence[StatusChange], *, strict: bool = False
    ) -> list[StatusChange]:
        """The one writer of trails: each change checked against the delivery's status as the ones
        before it in ``changes`` left it, the accepted ones written in one statement per table and
        published; returns the accepted ones."""
        accepted: list[StatusChange] = []
        for change in changes:
            delivery, code = change.delivery, change.code
            why = refusal(delivery, code)
            if why is not None:
                if strict:
                    raise IllegalTransition(
                        f"delivery {delivery.id} to {delivery.recipient_code}: {why}",
                        current=delivery.status,
                        requested=code.value,
                    )
                log.info(
                    "delivery.status_ignored",
                    delivery_id=str(delivery.id),
                    current=delivery.status,
                    requested=code.value,
                    reason=why,
                )
                continue
            delivery.status = code.value
            delivery.status_at = change.occurred_at
            if delivery.transport != Transport.SENT:
                delivery.transport = Transport.SENT.value  # any answer proves the package arrived
            accepted.append(change)
        recorded_at = datetime.now(UTC)
        await DeliveryRepository(session).add_statuses(
            [
                models.DeliveryStatus(
                    id=new_id(),
                    delivery_id=c.delivery.id,
                    code=c.code.value,
                    note=c.note,
                    actor_id=c.actor_id,
                    actor_name=c.actor_name,
                    occurred_at=c.occurred_at,
                    recorded_at=recorded_at,
                )
                for c in accepted
            ]
        )
        await outbox.add_many(
            session,
            [
                DeliveryStatusChanged(
                    delivery_id=c.delivery.id,
                    dispatch_id=c.dispatch.id,
                    document_id=c.dispatch.document_id,
                    exchange_id=c.dispatch.exchange_id,
                    sender_org_id=c.dispatch.sender_org_id,
                    recipient_org_id=c.delivery.recipient_org_id,
                    recipient_org_code=c.delivery.recipient_code,
                    status=c.code,
                    note=c.note,
                    actor_id=c.actor_id,
                    actor_name=c.actor_name,
                    occurred_at=c.occurred_at,
                )
                for c in accepted
            ],
        )
        for c in accepted:
            log.info("delivery.status_recorded", delivery_id=str(c.delivery.id), status=c.code.value)
        return accepted

    async def find(self, session: AsyncSession, delivery_id: UUID) -> tuple[models.Delivery, models.Dispatch]:
        found = await DeliveryRepository(session).with_dispatch(delivery_id)
        if found is None:
            raise DeliveryNotFound(f"no delivery {delivery_id}")
        return found

    async def readable(
        self, session: AsyncSession, principal: Principal, delivery_id: UUID
    ) -> tuple[models.Delivery, models.Dispatch]:
        """Only the sender's and the recipient's agencies see a delivery; to others it does not exist."""
        delivery, dispatch = await self.find(session, delivery_id)
        if not (
            principal.may_act_for(dispatch.sender_org_id) or principal.may_act_for(delivery.recipient_org_id)
        ):
            raise DeliveryNotFound(f"no delivery {delivery_id}")
        return delivery, dispatch

    async def received(
        self, session: AsyncSession, principal: Principal, delivery_id: UUID, *, roles: Sequence[str]
    ) -> tuple[models.Delivery, models.Dispatch]:
        """A delivery the caller's agency received, for one of ``roles`` there."""
        delivery, dispatch = await self.find(session, delivery_id)
        if not principal.may_act_for(delivery.recipient_org_id):
            raise DeliveryNotFound(f"no delivery {delivery_id}")
        ensure_agency(principal, delivery.recipient_org_id, roles=roles)
        return delivery, dispatch

    async def answer_recall(
        self,
        session: AsyncSession,
        principal: Principal,
        delivery_id: UUID,
        *,
        accept: bool,
        note: str | None,
        now: datetime,
    ) -> tuple[models.Delivery, models.Dispatch]:
        delivery, dispatch = await self.received(session, principal, delivery_id, roles=(Role.CLERK,))
        if delivery.business_type != BusinessType.REVOKE:
            raise NotARecall(
                f"delivery {delivery.id} carries a document, not a recall; only a recall is answered"
            )
        code = StatusCode.RECALL_ACCEPTED if accept else StatusCode.RECALL_REFUSED
        await self.record(
            session,
            delivery,
            dispatch,
            code,
            occurred_at=now,
            actor_id=principal.user_id,
            actor_name=principal.name,
            note=note,
            strict=True,
        )
        return delivery, dispatch

    async def inbox(
        self,
        session: AsyncSession,
        recipient_org_id: UUID,
        filters: InboxFilter,
        *,
        on: date,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[DeliveryDetail], int]:
        rows, total = await DeliveryRepository(session).inbox(
            recipient_org_id,
            limit=limit,
            offset=offset,
            status=filters.status.value if filters.status else None,
            no_status=filters.no_status,
            urgency=filters.urgency.value if filters.urgency else None,
            sender_org_id=filters.sender_org_id,
            since=datetime.combine(filters.since, time(), VIETNAM) if filters.since else None,
            until=datetime.combine(filters.until + timedelta(days=1), time(), VIETNAM)
            if filters.until
            else None,
            overdue_on=on if filters.overdue else None,
        )
        return await self.details(session, rows, on=on), total

    async def inbox_counts(self, session: AsyncSession, recipient_org_id: UUID, *, on: date) -> InboxCounts:
        return InboxCounts(**await DeliveryRepository(session).inbox_counts(recipient_org_id, on=on))

    async def views(
        self, session: AsyncSession, deliveries: Sequence[models.Delivery], *, on: date
    ) -> builtins.list[Delivery]:
        trails = await DeliveryRepository(session).trails([d.id for d in deliveries])
        orgs = await OrgRepository(session).by_ids({d.recipient_org_id for d in deliveries})
        return [self._view(d, trails.get(d.id, []), orgs[d.recipient_org_id], on=on) for d in deliveries]

    async def details(
        self,
        session: AsyncSession,
        rows: Sequence[tuple[models.Delivery, models.Dispatch]],
        *,
        on: date,
    ) -> builtins.list[DeliveryDetail]:
        repo = DeliveryRepository(session)
        trails = await repo.trails([d.id for d, _ in rows])
        orgs = await OrgRepository(session).by_ids(
            {d.recipient_org_id for d, _ in rows} | {p.sender_org_id for _, p in rows}
        )
        documents = await IssuedDocumentRepository(session).by_ids({p.document_id for _, p in rows})
        found = []
        for delivery, dispatch in rows:
            view = self._view(delivery, trails.get(delivery.id, []), orgs[delivery.recipient_org_id], on=on)
            sender = orgs[dispatch.sender_org_id]
            found.append(
                DeliveryDetail(
                    **view.model_dump(),
                    sender_org_id=sender.id,
                    sender_code=sender.code,
                    sender_name=sender.name,
                    parent_delivery_id=dispatch.parent_delivery_id,
                    document=DocumentSummary.model_validate(documents[dispatch.document_id].summary),
                )
            )
        return found

    @staticmethod
    def _view(
        delivery: models.Delivery, trail: Sequence[models.DeliveryStatus], recipient: models.Org, *, on: date
    ) -> Delivery:
        status = StatusCode(delivery.status) if delivery.status else None
        return Delivery(
            id=delivery.id,
            dispatch_id=delivery.dispatch_id,
            recipient_org_id=delivery.recipient_org_id,
            recipient_code=delivery.recipient_code,
            recipient_name=recipient.name,
            external=delivery.external,
            business_type=BusinessType(delivery.business_type),
            revokes_delivery_id=delivery.revokes_delivery_id,
            note=delivery.note,
            transport=Transport(delivery.transport),
            attempts=delivery.attempts,
            status=status,
            status_name=STATUS_NAMES[status] if status else None,
            status_at=delivery.status_at,
            deadline=delivery.deadline,
            overdue=is_overdue(delivery, on),
            created_at=delivery.created_at,
            trail=[
                TrailEntry(
                    code=StatusCode(entry.code),
                    name=STATUS_NAMES[StatusCode(entry.code)],
                    note=entry.note,
                    actor_id=entry.actor_id,
                    actor_name=entry.actor_name,
                    occurred_at=entry.occurred_at,
                )
                for entry in trail
            ],
        )

    # -- transport -----------------------------------------------------------------------------

    async def external_transport(
        self,
        session: AsyncSession,
        delivery: models.Delivery,
        dispatch: models.Dispatch,
        state: Transport,
        *,
        attempts: int,
        occurred_at: datetime,
        detail: str | None = None,
    ) -> bool:
        """egov-gateway's word on an external delivery's package. A state never goes back: ``sent`` and
        ``finally_failed`` are final, a ``failed`` counts only with more attempts than known. Returns
        whether anything changed; giving up tells the sender's clerks, as for local deliveries."""
        current = Transport(delivery.transport)
        why: str | None = None
        if current in (Transport.SENT, Transport.FINALLY_FAILED):
            why = f"the package is already {current.value}"
        elif state is Transport.PENDING:
            why = "pending is not a reported state"
        elif state is Transport.FAILED and current is Transport.FAILED and attempts <= delivery.attempts:
            why = f"already failed after {delivery.attempts} attempts"
        if why is not None:
            log.info(
                "delivery.transport_ignored",
                delivery_id=str(delivery.id),
                current=current.value,
                reported=state.value,
                attempts=attempts,
                reason=why,
            )
            return False
        delivery.transport = state.value
        delivery.attempts = max(delivery.attempts, attempts)
        delivery.last_attempt_at = occurred_at
        if state is Transport.FINALLY_FAILED:
            await outbox.add(session, failure_notice(delivery, dispatch))
            log.warning(
                "delivery.finally_failed",
                delivery_id=str(delivery.id),
                attempts=delivery.attempts,
                external=True,
                detail=detail,
            )
        else:
            log.info("delivery.transport_changed", delivery_id=str(delivery.id), transport=state.value)
        return True

    async def sweep(self, session: AsyncSession, settings: Settings, *, now: datetime) -> tuple[int, int]:
        """Announce again the local deliveries nobody picked up in time; give up on those out of
        attempts and tell the sender's clerks. Returns (announced again, finally failed)."""
        repo = DeliveryRepository(session)
        due = await repo.unacknowledged(
            before=now - timedelta(seconds=settings.delivery_ack_seconds), limit=settings.delivery_sweep_batch
        )
        if not due:
            return 0, 0
        dispatches = await repo.dispatches({d.dispatch_id for d in due})
        docs = await IssuedDocumentRepository(session).by_ids({p.document_id for p in dispatches.values()})
        senders = await OrgRepository(session).by_ids({p.sender_org_id for p in dispatches.values()})
        again = [d for d in due if d.attempts < settings.delivery_max_attempts]
        failed = [d for d in due if d.attempts >= settings.delivery_max_attempts]
        for d in again:
            d.attempts += 1
            d.transport = Transport.FAILED.value
            d.last_attempt_at = now
        for d in failed:
            d.transport = Transport.FINALLY_FAILED.value
        await outbox.add_many(
            session,
            [
                DeliveryCreated(
                    delivery_id=d.id,
                    dispatch_id=d.dispatch_id,
                    parent_delivery_id=dispatches[d.dispatch_id].parent_delivery_id,
                    business_type=BusinessType(d.business_type),
                    sender_org_id=dispatches[d.dispatch_id].sender_org_id,
                    sender_org_code=senders[dispatches[d.dispatch_id].sender_org_id].code,
                    recipient_org_id=d.recipient_org_id,
                    recipient_org_code=d.recipient_code,
                    recipient_external=d.external,
                    document=DocumentSummary.model_validate(
                        docs[dispatches[d.dispatch_id].document_id].summary
                    ),
                    note=d.note,
                    created_at=d.created_at,
                )
                for d in again
            ],
        )
        await outbox.add_many(session, [failure_notice(d, dispatches[d.dispatch_id]) for d in failed])
        for d in failed:
            log.warning("delivery.finally_failed", delivery_id=str(d.id), attempts=d.attempts)
        return len(again), len(failed)

    def worker(self, settings: Settings, clock: Clock) -> Worker:
        async def transport(runtime: Runtime) -> None:
            while True:
                try:
                    while True:
                        async with runtime.sessionmaker() as session, session.begin():
                            again, failed = await self.sweep(session, settings, now=clock.now())
                        if again or failed:
                            log.info("delivery.swept", announced_again=again, finally_failed=failed)
                        if again + failed < settings.delivery_sweep_batch:
                            break
                except Exception:
                    log.exception("delivery.sweep_failed")  # the next pass tries again
                if await runtime.pause(settings.delivery_sweep_seconds):
                    return

        return transport


delivery = DeliveryService()
