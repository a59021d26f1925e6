from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, exists, or_, select, update

from egov_gateway import models
from kit_db import RepositoryBase

OUT, IN = "out", "in"


class PackageRepository(RepositoryBase[models.ExchangePackage]):
    model = models.ExchangePackage

    async def by_delivery(self, delivery_id: UUID) -> models.ExchangePackage | None:
        stmt = select(models.ExchangePackage).where(models.ExchangePackage.delivery_id == delivery_id)
        return (await self.session.execute(stmt)).scalars().first()

    async def by_axis_doc(self, direction: str, axis_doc_id: str) -> models.ExchangePackage | None:
        stmt = select(models.ExchangePackage).where(
            models.ExchangePackage.direction == direction, models.ExchangePackage.axis_doc_id == axis_doc_id
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def add_parties(self, package_id: UUID, parties: set[tuple[UUID, str]]) -> None:
        for agency_id, role in sorted(parties, key=str):
            self.session.add(models.PackageParty(package_id=package_id, agency_id=agency_id, role=role))
        await self.session.flush()

    async def parties(self, package_id: UUID, role: str) -> Sequence[UUID]:
        stmt = select(models.PackageParty.agency_id).where(
            models.PackageParty.package_id == package_id, models.PackageParty.role == role
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def due_outbound(self, now: datetime, limit: int) -> Sequence[models.ExchangePackage]:
        stmt = (
            select(models.ExchangePackage)
            .where(
                models.ExchangePackage.direction == OUT,
                models.ExchangePackage.state.in_(("pending", "failed")),
                models.ExchangePackage.next_attempt_at <= now,
            )
            .order_by(models.ExchangePackage.next_attempt_at)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def claim(self, package: models.ExchangePackage, *, until: datetime, now: datetime) -> bool:
        """Take a due package for one sending pass (another replica's worker then leaves it alone)."""
        stmt = (
            update(models.ExchangePackage)
            .where(
                models.ExchangePackage.id == package.id,
                models.ExchangePackage.next_attempt_at <= now,
                models.ExchangePackage.state.in_(("pending", "failed")),
            )
            .values(next_attempt_at=until, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = bool((await self.session.execute(stmt)).rowcount == 1)  # type: ignore[attr-defined]
        if claimed:
            await self.session.refresh(package)
        return claimed

    async def answered(
        self, exchange_id: str, recipient_code: str, status: str
    ) -> models.ExchangePackage | None:
        """Our outbound document package a status answers: recalls (15, 16) answer a revoke."""
        stmt = select(models.ExchangePackage).where(
            models.ExchangePackage.direction == OUT,
            models.ExchangePackage.kind == "document",
            models.ExchangePackage.exchange_id == exchange_id,
            models.ExchangePackage.recipient_codes == recipient_code,
        )
        candidates = (
            (await self.session.execute(stmt.order_by(models.ExchangePackage.created_at))).scalars().all()
        )
        wanted = "1" if status in ("15", "16") else "0"
        preferred = [p for p in candidates if p.business_type == wanted]
        chosen = preferred or list(candidates)
        return chosen[-1] if chosen else None

    async def status_report(self, delivery_id: UUID, status: str) -> models.StatusReport | None:
        return await self.session.get(models.StatusReport, (delivery_id, status))

    async def add_status_report(self, report: models.StatusReport) -> None:
        self.session.add(report)
        await self.session.flush()

    async def received_document(self, exchange_id: str, recipient_code: str) -> models.ExchangePackage | None:
        """The document package received from the axis as ``exchange_id`` for ``recipient_code`` (the
        original, business type 0, when there are several)."""
        stmt = select(models.ExchangePackage).where(
            models.ExchangePackage.direction == IN,
            models.ExchangePackage.kind == "document",
            models.ExchangePackage.exchange_id == exchange_id,
            models.ExchangePackage.recipient_codes.contains(recipient_code, autoescape=True),
        )
        candidates = [
            p
            for p in (await self.session.execute(stmt.order_by(models.ExchangePackage.created_at))).scalars()
            if recipient_code in p.recipient_codes.split(",")
        ]
        originals = [p for p in candidates if p.business_type == "0"]
        chosen = originals or candidates
        return chosen[-1] if chosen else None

    async def visible(
        self,
        *,
        agency_id: UUID | None,
        direction: str | None,
        agency_code: str | None,
        delivery_id: UUID | None,
        limit: int,
        offset: int,
    ) -> Sequence[tuple[models.ExchangePackage, str | None, str | None]]:
        """Packages, newest first, each with its evidence's signature check (none before it is
        built); with ``agency_id`` only those that agency is a party to."""
        E = models.PackageEvidence
        stmt = select(models.ExchangePackage, E.signature_status, E.signature_detail).outerjoin(
            E, E.package_id == models.ExchangePackage.id
        )
        if agency_id is not None:
            stmt = stmt.where(
                exists().where(
                    and_(
                        models.PackageParty.package_id == models.ExchangePackage.id,
                        models.PackageParty.agency_id == agency_id,
                    )
                )
            )
        if direction is not None:
            stmt = stmt.where(models.ExchangePackage.direction == direction)
        if agency_code is not None:
            stmt = stmt.where(
                or_(
                    models.ExchangePackage.sender_code == agency_code,
                    models.ExchangePackage.recipient_codes.contains(agency_code, autoescape=True),
                )
            )
        if delivery_id is not None:
            stmt = stmt.where(models.ExchangePackage.delivery_id == delivery_id)
        stmt = stmt.order_by(models.ExchangePackage.created_at.desc(), models.ExchangePackage.id.desc())
        rows = await self.session.execute(stmt.limit(limit).offset(offset))
        return [(package, status, detail) for package, status, detail in rows]

    async def is_party(self, package_id: UUID, agency_id: UUID) -> bool:
        stmt = select(models.PackageParty.package_id).where(
            models.PackageParty.package_id == package_id, models.PackageParty.agency_id == agency_id
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def evidence(self, package_id: UUID) -> models.PackageEvidence | None:
        return await self.session.get(models.PackageEvidence, package_id)

    async def add_evidence(self, evidence: models.PackageEvidence) -> None:
        self.session.add(evidence)
        await self.session.flush()


class CursorRepository(RepositoryBase[models.AxisCursor]):
    model = models.AxisCursor

    async def position(self, name: str) -> int:
        cursor = await self.session.get(models.AxisCursor, name)
        return 0 if cursor is None else cursor.position

    async def advance(self, name: str, position: int, at: datetime) -> None:
        cursor = await self.session.get(models.AxisCursor, name)
        if cursor is None:
            self.session.add(models.AxisCursor(name=name, position=position, updated_at=at))
        elif position > cursor.position:
            cursor.position, cursor.updated_at = position, at
        await self.session.flush()
