from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import and_, delete, insert, or_, select

from kit_db import RepositoryBase
from routing_service import models

from .schemas import AssignmentState


class AssignmentRepository(RepositoryBase[models.Assignment]):
    model = models.Assignment

    async def of_delivery(self, delivery_id: UUID) -> models.Assignment | None:
        stmt = select(models.Assignment).where(models.Assignment.delivery_id == delivery_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add_members(self, assignment_id: UUID, rows: Sequence[dict[str, object]]) -> None:
        await self.session.execute(
            insert(models.AssignmentMember), [{"assignment_id": assignment_id, **row} for row in rows]
        )

    async def remove_members(self, assignment_id: UUID) -> None:
        await self.session.execute(
            delete(models.AssignmentMember).where(models.AssignmentMember.assignment_id == assignment_id)
        )

    async def members(self, ids: Collection[UUID]) -> dict[UUID, list[models.AssignmentMember]]:
        found: dict[UUID, list[models.AssignmentMember]] = defaultdict(list)
        if ids:
            stmt = (
                select(models.AssignmentMember)
                .where(models.AssignmentMember.assignment_id.in_(list(ids)))
                .order_by(models.AssignmentMember.name)
            )
            for member in (await self.session.execute(stmt)).scalars():
                found[member.assignment_id].append(member)
        return found

    async def of_person(
        self,
        org_id: UUID,
        user_id: UUID,
        *,
        state: str | None,
        overdue_on: date | None,
        limit: int,
        offset: int,
    ) -> Sequence[models.Assignment]:
        """Assignments of ``org_id`` that name ``user_id`` or that they made."""
        named = select(models.AssignmentMember.assignment_id).where(
            models.AssignmentMember.target_id == user_id
        )
        stmt = select(models.Assignment).where(
            models.Assignment.org_id == org_id,
            or_(models.Assignment.assigned_by == user_id, models.Assignment.id.in_(named)),
        )
        if state is not None:
            stmt = stmt.where(models.Assignment.state == state)
        if overdue_on is not None:
            stmt = stmt.where(
                models.Assignment.deadline < overdue_on,
                models.Assignment.state != AssignmentState.COMPLETED.value,
            )
        stmt = (
            stmt.order_by(models.Assignment.created_at.desc(), models.Assignment.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def needing_notice(
        self, *, today: date, remind_before: date, escalate_before: date, limit: int
    ) -> Sequence[models.Assignment]:
        """Open assignments whose deadline calls for a notice not yet given: a reminder (deadline from
        today to before ``remind_before``), the overdue notice, or the escalation (deadline before
        ``escalate_before``). Locked, so two workers never send one twice."""
        a = models.Assignment
        stmt = (
            select(a)
            .where(
                a.state != AssignmentState.COMPLETED.value,
                a.deadline.is_not(None),
                a.escalated_at.is_(None),
                or_(
                    and_(
                        a.reminded_at.is_(None),
                        a.overdue_notified_at.is_(None),
                        a.deadline >= today,
                        a.deadline < remind_before,
                    ),
                    and_(a.overdue_notified_at.is_(None), a.deadline < today),
                    a.deadline < escalate_before,
                ),
            )
            .order_by(a.deadline, a.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalars().all()
