"""Inside the receiving agency: a leader assigns a registered delivery (04), the lead handler reports
processing (05) and completion (06); each step is a status that travels back to the sender."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Runtime, Worker, outbox
from kit_contracts import BusinessType, DocumentSummary, NotificationRequested, StatusCode, Urgency
from kit_core import Clock, Principal, Role, ensure_agency, get_logger, new_id
from routing_service import models
from routing_service.config import Settings
from routing_service.delivery.repository import DeliveryRepository
from routing_service.delivery.service import delivery as delivery_service
from routing_service.delivery.service import label
from routing_service.dependencies import today
from routing_service.dispatch.repository import IssuedDocumentRepository

from .exceptions import (
    AlreadyAssigned,
    AssignmentNotFound,
    ExtensionConflict,
    IllegalAssignmentStep,
    NotAssignable,
    NotTheLead,
)
from .repository import AssignmentRepository
from .schemas import (
    Assignee,
    AssigneeKind,
    Assignment,
    AssignmentCreate,
    AssignmentState,
    ExtensionDecision,
    ExtensionRequest,
    MemberRole,
    PendingExtension,
    Reassignment,
)

log = get_logger(__name__)

# Where each step may start from, and the status it reports.
STEPS: dict[AssignmentState, tuple[AssignmentState, StatusCode]] = {
    AssignmentState.PROCESSING: (AssignmentState.ASSIGNED, StatusCode.PROCESSING),
    AssignmentState.COMPLETED: (AssignmentState.PROCESSING, StatusCode.COMPLETED),
}
STATE_NAMES: dict[AssignmentState, str] = {
    AssignmentState.ASSIGNED: "assigned (04)",
    AssignmentState.PROCESSING: "processing (05)",
    AssignmentState.COMPLETED: "completed (06)",
}


def is_overdue(assignment: models.Assignment, on: date) -> bool:
    return (
        assignment.deadline is not None
        and assignment.deadline < on
        and assignment.state != AssignmentState.COMPLETED
    )


def nth_working_day_after(day: date, n: int, holidays: Collection[date]) -> date:
    """The n-th working day after ``day`` (Monday to Friday, not a holiday)."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            n -= 1
    return day


def nth_working_day_back(day: date, n: int, holidays: Collection[date]) -> date:
    """Counting back from ``day`` itself, the n-th working day."""
    while True:
        if day.weekday() < 5 and day not in holidays:
            n -= 1
            if n == 0:
                return day
        day -= timedelta(days=1)


def _notice(
    kind: str,
    a: models.Assignment,
    lead: models.AssignmentMember,
    user_ids: list[UUID],
    roles: list[str],
    *,
    once: bool = True,
) -> NotificationRequested:
    """``once``: the kind is told once per assignment (the key says so); else once per request."""
    request_id = new_id()
    return NotificationRequested(
        request_id=request_id,
        kind=kind,
        user_ids=user_ids,
        org_id=a.org_id,
        org_roles=roles,
        data={
            "assignment_id": str(a.id),
            "delivery_id": str(a.delivery_id),
            "deadline": a.deadline.isoformat() if a.deadline else None,
            "lead": lead.name,
            "direction": a.direction,
        },
        idempotency_key=f"{kind}:{a.id}" if once else f"{kind}:{a.id}:{request_id}",
    )


class AssignmentService:
    async def assign(
        self,
        session: AsyncSession,
        principal: Principal,
        delivery_id: UUID,
        data: AssignmentCreate,
        *,
        now: datetime,
    ) -> models.Assignment:
        delivery, dispatch = await delivery_service.received(
            session, principal, delivery_id, roles=(Role.LEADER,)
        )
        repo = AssignmentRepository(session)
        if delivery.business_type != BusinessType.NEW:
            raise NotAssignable(f"delivery {delivery.id} is a recall; only a document is assigned")
        if (earlier := await repo.of_delivery(delivery.id)) is not None:
            raise AlreadyAssigned(
                f"delivery {delivery.id} was already assigned (assignment {earlier.id})",
                assignment_id=earlier.id,
            )
        if delivery.status != StatusCode.ACCEPTED:
            raise NotAssignable(
                f"delivery {delivery.id} is at {label(delivery.status)}: a clerk registers it (03) before a "
                "leader assigns it"
            )
        assignment = await repo.add(
            models.Assignment(
                id=new_id(),
                delivery_id=delivery.id,
                org_id=delivery.recipient_org_id,
                direction=data.direction,
                deadline=data.deadline,
                state=AssignmentState.ASSIGNED.value,
                assigned_by=principal.user_id,
                assigned_by_name=principal.name[:100] if principal.name else None,
                created_at=now,
                updated_at=now,
            )
        )
        members = [(MemberRole.LEAD, data.lead)]
        members += [(MemberRole.CO_HANDLER, a) for a in data.co_handlers]
        members += [(MemberRole.FOR_INFORMATION, a) for a in data.for_information]
        await repo.add_members(
            assignment.id,
            [
                {"target_id": a.id, "role": role.value, "kind": a.kind.value, "name": a.name}
                for role, a in members
            ],
        )
        if data.deadline is not None:
            delivery.deadline = data.deadline
        await delivery_service.record(
            session,
            delivery,
            dispatch,
            StatusCode.ASSIGNED,
            occurred_at=now,
            actor_id=principal.user_id,
            actor_name=principal.name,
            note=data.direction[:1000],
            strict=True,
        )
        people = [a.id for _, a in members if a.kind is AssigneeKind.USER]
        if people:
            doc = await IssuedDocumentRepository(session).get(dispatch.document_id)
            summary = DocumentSummary.model_validate(doc.summary) if doc else None
            await outbox.add(
                session,
                NotificationRequested(
                    request_id=new_id(),
                    kind="assignment.created",
                    user_ids=people,
                    org_id=delivery.recipient_org_id,
                    data={
                        "assignment_id": str(assignment.id),
                        "delivery_id": str(delivery.id),
                        "direction": data.direction,
                        "deadline": data.deadline.isoformat() if data.deadline else None,
                        "lead": data.lead.name,
                        "document_code": summary.code if summary else None,
                        "subject": summary.subject if summary else None,
                    },
                    idempotency_key=f"assignment.created:{assignment.id}",
                    critical=summary is not None and summary.urgency in (Urgency.FLASH, Urgency.FLASH_TIMED),
                ),
            )
        return assignment

    async def step(
        self,
        session: AsyncSession,
        principal: Principal,
        assignment_id: UUID,
        to: AssignmentState,
        *,
        note: str | None,
        now: datetime,
    ) -> models.Assignment:
        assignment = await self.readable(session, principal, assignment_id)
        await self._ensure_reporter(session, principal, assignment)
        start, code = STEPS[to]
        current = AssignmentState(assignment.state)
        if current is not start:
            raise IllegalAssignmentStep(
                f"assignment {assignment.id} is {STATE_NAMES[current]}; it becomes {STATE_NAMES[to]} only when "
                f"{STATE_NAMES[start]}",
                state=current.value,
            )
        found = await DeliveryRepository(session).with_dispatch(assignment.delivery_id)
        if found is None:  # the foreign key makes this impossible
            raise AssignmentNotFound(f"no assignment {assignment_id}")
        delivery, dispatch = found
        await delivery_service.record(
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
        assignment.state = to.value
        assignment.updated_at = now
        if to is AssignmentState.COMPLETED:
            assignment.completed_at = now
        return assignment

    @staticmethod
    async def _ensure_reporter(
        session: AsyncSession, principal: Principal, assignment: models.Assignment
    ) -> models.AssignmentMember:
        lead = await AssignmentService._lead(session, assignment)
        if not (
            principal.has_role(Role.LEADER)
            or lead.kind == AssigneeKind.UNIT
            or (principal.user_id is not None and principal.user_id == lead.target_id)
        ):
            raise NotTheLead(
                f"{lead.name} leads assignment {assignment.id}; only they or a leader of the agency report "
                f"on it, not {principal.describe()}"
            )
        return lead

    @staticmethod
    async def _lead(session: AsyncSession, assignment: models.Assignment) -> models.AssignmentMember:
        members = (await AssignmentRepository(session).members([assignment.id]))[assignment.id]
        return next(m for m in members if m.role == MemberRole.LEAD)

    @staticmethod
    def _ensure_open(assignment: models.Assignment, doing: str) -> None:
        if assignment.state == AssignmentState.COMPLETED:
            raise IllegalAssignmentStep(
                f"assignment {assignment.id} is completed (06); it cannot be {doing}", state=assignment.state
            )

    @staticmethod
    async def _move_deadline(session: AsyncSession, assignment: models.Assignment, deadline: date) -> None:
        assignment.deadline = deadline
        # A new deadline earns its own reminder, overdue notice and escalation.
        assignment.reminded_at = assignment.overdue_notified_at = assignment.escalated_at = None
        delivery = await DeliveryRepository(session).get(assignment.delivery_id)
        if delivery is not None:
            delivery.deadline = deadline

    async def reassign(
        self,
        session: AsyncSession,
        principal: Principal,
        assignment_id: UUID,
        data: Reassignment,
        *,
        now: datetime,
    ) -> models.Assignment:
        """A leader names the handlers again; newly named people are told. The state is kept."""
        assignment = await self.readable(session, principal, assignment_id)
        ensure_agency(principal, assignment.org_id, roles=(Role.LEADER,))
        self._ensure_open(assignment, "reassigned")
        repo = AssignmentRepository(session)
        before = {m.target_id for m in (await repo.members([assignment.id]))[assignment.id]}
        await repo.remove_members(assignment.id)
        members = [(MemberRole.LEAD, data.lead)]
        members += [(MemberRole.CO_HANDLER, a) for a in data.co_handlers]
        members += [(MemberRole.FOR_INFORMATION, a) for a in data.for_information]
        await repo.add_members(
            assignment.id,
            [
                {"target_id": a.id, "role": role.value, "kind": a.kind.value, "name": a.name}
                for role, a in members
            ],
        )
        if data.deadline is not None and data.deadline != assignment.deadline:
            await self._move_deadline(session, assignment, data.deadline)
        assignment.updated_at = now
        lead = await self._lead(session, assignment)
        newcomers = [a.id for _, a in members if a.kind is AssigneeKind.USER and a.id not in before]
        if newcomers:
            await outbox.add(
                session, _notice("assignment.reassigned", assignment, lead, newcomers, [], once=False)
            )
        log.info("assignment.reassigned", assignment_id=str(assignment.id), lead=str(data.lead.id))
        return assignment

    async def request_extension(
        self,
        session: AsyncSession,
        principal: Principal,
        assignment_id: UUID,
        data: ExtensionRequest,
        *,
        now: datetime,
    ) -> models.Assignment:
        """The lead asks for a later deadline; the leader who assigned it is told."""
        assignment = await self.readable(session, principal, assignment_id)
        lead = await self._ensure_reporter(session, principal, assignment)
        self._ensure_open(assignment, "extended")
        if assignment.requested_deadline is not None:
            raise ExtensionConflict(
                f"assignment {assignment.id} already has a request for "
                f"{assignment.requested_deadline.isoformat()} waiting for a leader"
            )
        if assignment.deadline is not None and data.deadline <= assignment.deadline:
            raise ExtensionConflict(
                f"the deadline of assignment {assignment.id} is {assignment.deadline.isoformat()}; "
                f"an extension asks for a later day, not {data.deadline.isoformat()}"
            )
        assignment.requested_deadline = data.deadline
        assignment.extension_reason = data.reason
        assignment.extension_requested_by = principal.user_id
        assignment.updated_at = now
        leaders = [assignment.assigned_by] if assignment.assigned_by else []
        roles = [] if leaders else [Role.LEADER.value]
        await outbox.add(
            session, _notice("assignment.extension_requested", assignment, lead, leaders, roles, once=False)
        )
        return assignment

    async def decide_extension(
        self,
        session: AsyncSession,
        principal: Principal,
        assignment_id: UUID,
        data: ExtensionDecision,
        *,
        now: datetime,
    ) -> models.Assignment:
        """A leader approves (the deadline moves) or refuses; whoever asked is told."""
        assignment = await self.readable(session, principal, assignment_id)
        ensure_agency(principal, assignment.org_id, roles=(Role.LEADER,))
        if assignment.requested_deadline is None:
            raise ExtensionConflict(f"assignment {assignment.id} has no extension request to decide")
        requester = assignment.extension_requested_by
        if data.approve:
            await self._move_deadline(session, assignment, assignment.requested_deadline)
        assignment.requested_deadline = None
        assignment.extension_reason = None
        assignment.extension_requested_by = None
        assignment.updated_at = now
        lead = await self._lead(session, assignment)
        kind = "assignment.extension_approved" if data.approve else "assignment.extension_refused"
        told = [requester] if requester else []
        await outbox.add(
            session, _notice(kind, assignment, lead, told, [] if told else [Role.LEADER.value], once=False)
        )
        return assignment

    async def readable(
        self, session: AsyncSession, principal: Principal, assignment_id: UUID
    ) -> models.Assignment:
        """Users of the receiving agency read its assignments; to others they do not exist."""
        assignment = await AssignmentRepository(session).get(assignment_id)
        if assignment is None or not principal.may_act_for(assignment.org_id):
            raise AssignmentNotFound(f"no assignment {assignment_id}")
        return assignment

    async def mine(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        state: AssignmentState | None,
        overdue_on: date | None,
        limit: int,
        offset: int,
    ) -> Sequence[models.Assignment]:
        if principal.agency_id is None or principal.user_id is None:
            return []
        return await AssignmentRepository(session).of_person(
            principal.agency_id,
            principal.user_id,
            state=state.value if state else None,
            overdue_on=overdue_on,
            limit=limit,
            offset=offset,
        )

    async def views(
        self, session: AsyncSession, assignments: Sequence[models.Assignment], *, on: date
    ) -> builtins.list[Assignment]:
        members = await AssignmentRepository(session).members([a.id for a in assignments])
        deliveries = DeliveryRepository(session)
        documents = IssuedDocumentRepository(session)
        found = []
        for assignment in assignments:
            row = await deliveries.with_dispatch(assignment.delivery_id)
            doc = await documents.get(row[1].document_id) if row else None
            if doc is None:  # the foreign keys make this impossible
                raise AssignmentNotFound(f"assignment {assignment.id} lost its delivery")
            named = members.get(assignment.id, [])

            def of(role: MemberRole, named: Sequence[models.AssignmentMember] = named) -> list[Assignee]:
                return [
                    Assignee(kind=AssigneeKind(m.kind), id=m.target_id, name=m.name)
                    for m in named
                    if m.role == role
                ]

            found.append(
                Assignment(
                    id=assignment.id,
                    delivery_id=assignment.delivery_id,
                    org_id=assignment.org_id,
                    direction=assignment.direction,
                    deadline=assignment.deadline,
                    state=AssignmentState(assignment.state),
                    overdue=is_overdue(assignment, on),
                    lead=of(MemberRole.LEAD)[0],
                    co_handlers=of(MemberRole.CO_HANDLER),
                    for_information=of(MemberRole.FOR_INFORMATION),
                    assigned_by=assignment.assigned_by,
                    assigned_by_name=assignment.assigned_by_name,
                    created_at=assignment.created_at,
                    updated_at=assignment.updated_at,
                    completed_at=assignment.completed_at,
                    pending_extension=PendingExtension(
                        deadline=assignment.requested_deadline,
                        reason=assignment.extension_reason or "",
                        requested_by=assignment.extension_requested_by,
                    )
                    if assignment.requested_deadline
                    else None,
                    document=DocumentSummary.model_validate(doc.summary),
                )
            )
        return found

    # -- deadlines -----------------------------------------------------------------------------

    async def sweep(self, session: AsyncSession, settings: Settings, *, now: datetime) -> int:
        """Send the reminders, overdue notices and escalations that are due; returns how many
        assignments were looked at (each needed at least one notice)."""
        on = today(now)
        holidays = frozenset(settings.holidays)
        repo = AssignmentRepository(session)
        escalate_before = nth_working_day_back(on, settings.assignment_escalate_days + 1, holidays)
        due = await repo.needing_notice(
            today=on,
            remind_before=nth_working_day_after(on, settings.assignment_remind_days + 1, holidays),
            escalate_before=escalate_before,
            limit=settings.delivery_sweep_batch,
        )
        members = await repo.members([a.id for a in due])
        notices: list[NotificationRequested] = []
        for a in due:
            if a.deadline is None:  # selected on it
                continue
            lead = next(m for m in members[a.id] if m.role == MemberRole.LEAD)
            # A person leads: tell them; a unit leads: tell whoever assigned it (else the leaders).
            handler = (
                [lead.target_id]
                if lead.kind == AssigneeKind.USER
                else [a.assigned_by]
                if a.assigned_by
                else []
            )
            handler_roles = [] if handler else [Role.LEADER.value]
            if a.deadline >= on:
                notices.append(_notice("assignment.due_soon", a, lead, handler, handler_roles))
                a.reminded_at = now
                continue
            if a.overdue_notified_at is None:
                notices.append(_notice("assignment.overdue", a, lead, handler, handler_roles))
                a.overdue_notified_at = now
            if a.deadline < escalate_before:
                leaders = [a.assigned_by] if a.assigned_by else []
                notices.append(_notice("assignment.escalated", a, lead, leaders, [Role.LEADER.value]))
                a.escalated_at = now
        await outbox.add_many(session, notices)
        if notices:
            log.info("assignment.notices", count=len(notices), kinds=sorted({n.kind for n in notices}))
        return len(due)

    def worker(self, settings: Settings, clock: Clock) -> Worker:
        async def deadlines(runtime: Runtime) -> None:
            while True:
                try:
                    while True:
                        async with runtime.sessionmaker() as session, session.begin():
                            looked_at = await self.sweep(session, settings, now=clock.now())
                        if looked_at < settings.delivery_sweep_batch:
                            break
                except Exception:
                    log.exception("assignment.sweep_failed")  # the next pass tries again
                if await runtime.pause(settings.assignment_sweep_seconds):
                    return

        return deadlines


assignment = AssignmentService()
