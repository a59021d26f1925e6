"""Statistics for the Government portal, per agency and month, from the events that carry the facts.

Each ``DeliveryCreated`` (a new document, business type 0) becomes one ``stats_delivery`` row and each
delivery's first 06 one ``stats_completion`` row, both keyed by the delivery: a redelivered event
changes nothing. The monthly numbers are counted from those rows when asked (``month_stats``), so they
are always consistent with the facts, whatever order the events came in.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from egov_gateway import models
from egov_gateway.directory_sync.repository import DirectoryEntryRepository
from egov_gateway.exchange import VIETNAM_TZ
from egov_gateway.packages.repository import PackageRepository
from kit_contracts import BusinessType, DeliveryCreated, DeliveryStatusChanged, StatusCode
from kit_core import Principal

from .exceptions import AgencyNotFound, OtherAgencyStats
from .repository import StatsRepository
from .schemas import AgencyStats

CSV_HEADERS = (
    "Tháng",
    "Mã cơ quan",
    "Tên cơ quan",
    "Số văn bản đi điện tử",
    "Văn bản đi qua Trục liên thông",
    "Văn bản đi có ký số",
    "Số văn bản đến điện tử",
    "Văn bản đến qua Trục liên thông",
    "Văn bản đến có ký số",
    "Tỷ lệ ký số (%)",
    "Xử lý xong đúng hạn",
    "Xử lý xong quá hạn",
    "Đang xử lý (chưa hoàn thành)",
)


def month_of(at: datetime) -> str:
    """The calendar month in Vietnam time, YYYY-MM."""
    return f"{at.astimezone(VIETNAM_TZ):%Y-%m}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


class StatsService:
    # --- feeding --------------------------------------------------------------------------------

    async def record_delivery(self, session: AsyncSession, event: DeliveryCreated) -> None:
        """A new document delivered electronically (recalls, updates and replacements are not counted)."""
        if event.business_type is not BusinessType.NEW:
            return
        directory = DirectoryEntryRepository(session)
        sender = await directory.get(event.sender_org_id)
        received = await PackageRepository(session).received_document(
            event.document.exchange_id, event.recipient_org_code
        )
        inbound_axis = not event.recipient_external and (
            received is not None or (sender is not None and sender.external)
        )
        if inbound_axis:
            evidence = await PackageRepository(session).evidence(received.id) if received else None
            signed = evidence is not None and evidence.signature_status == "valid"
        else:
            signed = any(file.main for file in event.document.files)
        due = event.document.due_date
        due_at = (
            datetime.combine(due + timedelta(days=1), time(0), tzinfo=VIETNAM_TZ).astimezone(UTC)
            if due
            else None
        )
        await StatsRepository(session).add_delivery(
            models.StatsDelivery(
                delivery_id=event.delivery_id,
                document_id=event.document.document_id,
                month=month_of(event.created_at),
                sender_org_id=event.sender_org_id,
                sender_code=event.sender_org_code,
                recipient_org_id=event.recipient_org_id,
                recipient_code=event.recipient_org_code,
                outbound_axis=event.recipient_external,
                inbound_axis=inbound_axis,
                signed=signed,
                due_at=due_at,
                created_at=event.created_at,
            )
        )

    async def record_status(self, session: AsyncSession, event: DeliveryStatusChanged) -> None:
        if event.status is StatusCode.COMPLETED:
            await StatsRepository(session).complete(event.delivery_id, event.occurred_at)

    # --- reading --------------------------------------------------------------------------------

    async def scope(
        self, session: AsyncSession, principal: Principal, agency: str | None
    ) -> list[UUID] | None:
        """The agencies ``principal`` asks about: None means every agency (system administrators only)."""
        wanted: UUID | None = None
        if agency is not None:
            try:
                wanted = UUID(agency)
            except ValueError:
                entry = await DirectoryEntryRepository(session).by_code(agency)
                if entry is None:
                    raise AgencyNotFound(f"no agency {agency} in the directory") from None
                wanted = entry.agency_id
        if principal.is_system_admin:
            return None if wanted is None else [wanted]
        if principal.agency_id is None:
            raise OtherAgencyStats("your account belongs to no agency")
        if wanted is not None and wanted != principal.agency_id:
            raise OtherAgencyStats("only a system administrator sees another agency's statistics")
        return [principal.agency_id]

    async def month_stats(
        self, session: AsyncSession, month: str, agencies: Sequence[UUID] | None
    ) -> list[AgencyStats]:
        """Every agency with something to count in ``month`` (and every agency asked for, even with zeros)."""
        repository = StatsRepository(session)
        sent = await repository.sent(month, agencies)
        received = await repository.received(month, agencies)
        ids = set(sent) | set(received) | set(agencies or ())
        directory = DirectoryEntryRepository(session)
        result = []
        for agency_id in ids:
            entry = await directory.get(agency_id)
            if entry is not None and entry.external:
                continue  # an agency reached through the axis reports its own numbers
            s_total, s_axis, s_signed = sent.get(agency_id, (0, 0, 0))
            r_total, r_axis, r_signed, on_time, late, still_open = received.get(agency_id, (0, 0, 0, 0, 0, 0))
            total = s_total + r_total
            result.append(
                AgencyStats(
                    agency_id=agency_id,
                    agency_code=entry.code if entry else "",
                    agency_name=entry.name if entry else "",
                    month=month,
                    sent=s_total,
                    sent_axis=s_axis,
                    sent_signed=s_signed,
                    received=r_total,
                    received_axis=r_axis,
                    received_signed=r_signed,
                    signed_percent=round(100 * (s_signed + r_signed) / total, 2) if total else 0.0,
                    completed_on_time=on_time,
                    completed_late=late,
                    still_open=still_open,
                )
            )
        return sorted(result, key=lambda a: (a.agency_code, str(a.agency_id)))


def to_csv(rows: Sequence[AgencyStats]) -> bytes:
    """UTF-8 with a BOM (so spreadsheet software reads the Vietnamese headers right), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in rows:
        writer.writerow(
            [
                row.month,
                row.agency_code,
                row.agency_name,
                row.sent,
                row.sent_axis,
                row.sent_signed,
                row.received,
                row.received_axis,
                row.received_signed,
                f"{row.signed_percent:.2f}",
                row.completed_on_time,
                row.completed_late,
                row.still_open,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def fingerprint(row: AgencyStats) -> str:
    """What a portal push is idempotent on: the agency, the month and the numbers."""
    body = {"agency_code": row.agency_code, "month": row.month, **row.numbers()}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


stats = StatsService()
