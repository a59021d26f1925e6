"""Packages exchanged with the national axis: recording outbound deliveries, sending them, taking in
what the axis holds for us, and reading the evidence.

Nothing here talks to the network inside a database transaction: the workers (``workers.py``) read
and claim in one transaction, call the axis, and record the outcome in another.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from egov_gateway import models
from egov_gateway.config import Settings
from egov_gateway.directory_sync.repository import DirectoryEntryRepository
from egov_gateway.exchange import (
    SEED_STATUS_CODES,
    Attachment,
    DocumentPackage,
    MalformedPackage,
    Organization,
    ParseLimits,
    ResponseFor,
    SignatureStatus,
    SigningError,
    SigningKey,
    StaffInfo,
    StatusPackage,
    TrustConfigError,
    VerificationResult,
    build_document,
    build_status,
    canonical_organ_id,
    parse_document,
    parse_package,
    sign_package,
    verify_package,
)
from egov_gateway.signing import trust_from_settings
from kit_bus import outbox
from kit_contracts import (
    BusinessType,
    Confidentiality,
    DeliveryCreated,
    DeliveryStatusChanged,
    DocumentSummary,
    ExternalStatusReceived,
    ExternalTransportChanged,
    InboundDocumentReceived,
    StatusCode,
)
from kit_core import Principal, new_id

from . import schemas
from .builder import document_package, summary_of, unique_files
from .exceptions import FileNotInPackage, PackageNotFound
from .repository import IN, OUT, CursorRepository, PackageRepository

INBOUND_CURSOR = "inbound"
LEASE = timedelta(minutes=5)  # a claimed package is left alone this long if its sender dies


@dataclass(frozen=True)
class Outgoing:
    """A claimed outbound package and the exact bytes to hand to the axis."""

    package_id: UUID
    delivery_id: UUID | None  # none for a status package of ours
    sender_code: str
    raw: bytes
    attempts: int
    service_type: Literal["eDoc", "status"] = "eDoc"


@dataclass(frozen=True)
class Claimed:
    """A due outbound package taken for one pass, and the file contents (SHA-256) to fetch for it."""

    package_id: UUID
    digests: tuple[str, ...]


@dataclass(frozen=True)
class Checked:
    """A received package that parsed safely, with its signature check."""

    raw: bytes
    package: DocumentPackage | StatusPackage
    verification: VerificationResult


def _evidence(
    package_id: UUID, direction: str, raw: bytes, result: VerificationResult, at: datetime
) -> models.PackageEvidence:
    return models.PackageEvidence(
        package_id=package_id,
        direction=direction,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        stored_at=at,
        signature_status=result.status.value,
        signature_detail=result.reason[:1000] if result.reason else None,
        verification=result.model_dump(mode="json"),
    )


class PackageService:
    # --- outbound -------------------------------------------------------------------------------

    async def record_delivery(self, session: AsyncSession, event: DeliveryCreated, *, at: datetime) -> None:
        """One outbound package per external delivery (a redelivered event finds it and stops)."""
        if not event.recipient_external:
            return
        packages = PackageRepository(session)
        if await packages.by_delivery(event.delivery_id) is not None:
            return
        confidential = event.document.confidentiality is not Confidentiality.NORMAL
        package = await packages.add(
            models.ExchangePackage(
                id=new_id(),
                direction=OUT,
                kind="document",
                business_type=event.business_type.value,
                delivery_id=event.delivery_id,
                exchange_id=event.document.exchange_id,
                sender_code=event.sender_org_code,
                recipient_codes=event.recipient_org_code,
                state="finally_failed" if confidential else "pending",
                attempts=0,
                next_attempt_at=None if confidential else at,
                last_error=None,
                summary=event.document.model_dump(mode="json"),
                note=event.note,
                created_at=at,
                updated_at=at,
            )
        )
        await packages.add_parties(
            package.id, {(event.sender_org_id, "sender"), (event.recipient_org_id, "recipient")}
        )
        if confidential:
            detail = "Văn bản mật không được gửi qua Trục liên thông văn bản quốc gia (QĐ 28/2018/QĐ-TTg)"
            package.last_error = detail
            await outbox.add(
                session,
                ExternalTransportChanged(
                    delivery_id=event.delivery_id,
                    package_id=package.id,
                    state="finally_failed",
                    attempts=0,
                    detail=detail,
                    occurred_at=at,
                ),
            )

    async def claim_due(self, session: AsyncSession, *, settings: Settings, now: datetime) -> list[Claimed]:
        """Due packages, claimed with a lease; each names the file contents its building needs (none
        once it was built: the stored evidence is resent as is). Nothing is fetched or built here."""
        packages = PackageRepository(session)
        claimed: list[Claimed] = []
        for package in await packages.due_outbound(now, settings.outbound_batch):
            if not await packages.claim(package, until=now + LEASE, now=now):
                continue
            digests: tuple[str, ...] = ()
            if package.kind == "document" and await packages.evidence(package.id) is None:
                try:
                    summary = DocumentSummary.model_validate(package.summary)
                except ValidationError as exc:
                    await self._failed(
                        session, package, f"the package cannot be built: {exc}", now=now, final=True
                    )
                    continue
                digests = tuple(file.sha256.lower() for file in unique_files(summary))
            claimed.append(Claimed(package_id=package.id, digests=digests))
        return claimed

    async def prepare(
        self,
        session: AsyncSession,
        claimed: Claimed,
        contents: Mapping[str, bytes],
        *,
        key: SigningKey,
        settings: Settings,
        now: datetime,
    ) -> Outgoing | None:
        """The exact bytes to hand to the axis: built and signed once (with ``contents``, the files'
        bytes by digest) and stored as evidence, or the evidence stored before. None: it cannot be
        built (finally failed) or is no longer ours to send."""
        packages = PackageRepository(session)
        package = await packages.get(claimed.package_id)
        if package is None or package.state not in ("pending", "failed"):
            return None
        evidence = await packages.evidence(package.id)
        if evidence is None:
            try:
                if package.kind == "status":
                    raw = await self._build_status(session, package, key=key, settings=settings)
                else:
                    raw = await self._build(
                        session, package, key=key, settings=settings, now=now, contents=contents
                    )
            except (SigningError, MalformedPackage, ValidationError) as exc:
                await self._failed(
                    session, package, f"the package cannot be built: {exc}", now=now, final=True
                )
                return None
            result = await asyncio.to_thread(
                partial(_verified, raw, settings, at=now)
            )  # as a recipient would
            evidence = _evidence(package.id, OUT, raw, result, now)
            await packages.add_evidence(evidence)
        return Outgoing(
            package_id=package.id,
            delivery_id=package.delivery_id,
            sender_code=package.sender_code,
            raw=evidence.raw,
            attempts=package.attempts,
            service_type="status" if package.kind == "status" else "eDoc",
        )

    async def _build(
        self,
        session: AsyncSession,
        package: models.ExchangePackage,
        *,
        key: SigningKey,
        settings: Settings,
        now: datetime,
        contents: Mapping[str, bytes],
    ) -> bytes:
        summary = DocumentSummary.model_validate(package.summary)
        recipient = await DirectoryEntryRepository(session).by_code(package.recipient_codes)
        document = document_package(
            summary,
            business_type=BusinessType(package.business_type or "0"),
            sender_code=package.sender_code,
            recipient_code=package.recipient_codes,
            recipient_name=recipient.name if recipient else None,
            note=package.note,
            at=now,
            contents=contents,
        )
        unsigned = build_document(document)
        return await asyncio.to_thread(
            sign_package,
            unsigned,
            key,
            signature_algorithm=settings.signature_algorithm,
            digest_algorithm=settings.digest_algorithm,
            limits=_limits(settings),
        )

    async def sent(self, session: AsyncSession, package_id: UUID, axis_doc_id: str, *, now: datetime) -> None:
        package = await PackageRepository(session).get(package_id)
        if package is None or package.state == "sent":
            return
        package.state, package.axis_doc_id = "sent", axis_doc_id
        package.attempts += 1
        package.next_attempt_at, package.last_error, package.updated_at = None, None, now
        if package.kind != "document":
            return  # our own status packages are the gateway's affair: routing has no delivery for them
        await outbox.add(
            session,
            ExternalTransportChanged(
                delivery_id=_delivery(package),
                package_id=package.id,
                state="sent",
                attempts=package.attempts,
                occurred_at=now,
            ),
        )

    async def send_failed(
        self,
        session: AsyncSession,
        package_id: UUID,
        detail: str,
        *,
        settings: Settings,
        now: datetime,
        final: bool,
    ) -> None:
        package = await PackageRepository(session).get(package_id)
        if package is None or package.state in ("sent", "finally_failed"):
            return
        package.attempts += 1
        final = final or package.attempts >= settings.send_max_attempts
        await self._failed(session, package, detail, now=now, final=final, retry=settings.send_retry_seconds)

    async def _failed(
        self,
        session: AsyncSession,
        package: models.ExchangePackage,
        detail: str,
        *,
        now: datetime,
        final: bool,
        retry: float = 0,
    ) -> None:
        package.state = "finally_failed" if final else "failed"
        package.last_error = detail[:1000]
        package.updated_at = now
        package.next_attempt_at = (
            None if final else now + timedelta(seconds=retry * 2 ** max(package.attempts - 1, 0))
        )
        if package.kind != "document":
            return
        await outbox.add(
            session,
            ExternalTransportChanged(
                delivery_id=_delivery(package),
                package_id=package.id,
                state=package.state,
                attempts=package.attempts,
                detail=detail[:1000],
                occurred_at=now,
            ),
        )

    # --- our statuses back to external senders ----------------------------------------------------

    async def record_status(
        self, session: AsyncSession, event: DeliveryStatusChanged, *, at: datetime
    ) -> UUID | None:
        """A status of a delivery that came in from the axis becomes one outbound status package.

        The delivery is matched by its exchange id and recipient agency against the document packages
        we received; any other delivery (local, or one we sent out) is ignored. One package per
        (delivery, status): a redelivered or repeated event finds the report and changes nothing.
        """
        packages = PackageRepository(session)
        if await packages.status_report(event.delivery_id, event.status.value) is not None:
            return None
        received = await packages.received_document(event.exchange_id, event.recipient_org_code)
        if received is None:
            return None
        entry = await DirectoryEntryRepository(session).by_code(event.recipient_org_code)
        if entry is not None and entry.external:
            return None  # an external agency's answer on a delivery of ours: it came from the axis
        description = event.note or SEED_STATUS_CODES.get(event.status.value)
        details: dict[str, Any] = {
            "answers_package_id": str(received.id),
            "delivery_id": str(event.delivery_id),
            "reporter_name": entry.name if entry is not None else None,
            "description": description[:1000] if description else None,
            "staff": event.actor_name,
            "occurred_at": event.occurred_at.isoformat(),
        }
        package = await packages.add(
            models.ExchangePackage(
                id=new_id(),
                direction=OUT,
                kind="status",
                business_type=None,
                status_code=event.status.value,
                delivery_id=None,
                exchange_id=event.exchange_id,
                sender_code=event.recipient_org_code,
                recipient_codes=received.sender_code,
                state="pending",
                attempts=0,
                next_attempt_at=at,
                last_error=None,
                summary=details,
                note=event.note,
                created_at=at,
                updated_at=at,
            )
        )
        await packages.add_parties(package.id, {(event.recipient_org_id, "sender")})
        await packages.add_status_report(
            models.StatusReport(
                delivery_id=event.delivery_id, status=event.status.value, package_id=package.id, created_at=at
            )
        )
        return package.id

    async def _build_status(
        self, session: AsyncSession, package: models.ExchangePackage, *, key: SigningKey, settings: Settings
    ) -> bytes:
        """The signed status package: ``ResponseFor`` is read from the document package it answers."""
        details = package.summary or {}
        answered = await PackageRepository(session).evidence(UUID(details["answers_package_id"]))
        if answered is None:
            raise MalformedPackage("the document package this status answers has no stored evidence")
        document = await asyncio.to_thread(parse_document, answered.raw, limits=_limits(settings))
        header = document.message_header
        code = header.code
        status = StatusPackage(
            response_for=ResponseFor(
                organ_id=header.sender.organ_id,
                code=f"{code.code_number}/{code.code_notation}" if code.code_notation else code.code_number,
                promulgation_date=header.promulgation_info.promulgation_date,
                document_id=header.document_id,
            ),
            sender=Organization(organ_id=package.sender_code, organ_name=details.get("reporter_name")),
            status_code=package.status_code or "",
            description=details.get("description"),
            timestamp=datetime.fromisoformat(details["occurred_at"]),
            staff_info=StaffInfo(staff=details["staff"]) if details.get("staff") else None,
        )
        return await asyncio.to_thread(
            sign_package,
            build_status(status),
            key,
            signature_algorithm=settings.signature_algorithm,
            digest_algorithm=settings.digest_algorithm,
            limits=_limits(settings),
        )

    # --- inbound --------------------------------------------------------------------------------

    async def cursor(self, session: AsyncSession) -> int:
        return await CursorRepository(session).position(INBOUND_CURSOR)

    async def advance(self, session: AsyncSession, position: int, *, now: datetime) -> None:
        await CursorRepository(session).advance(INBOUND_CURSOR, position, now)

    async def known(self, session: AsyncSession, axis_doc_id: str) -> bool:
        return await PackageRepository(session).by_axis_doc(IN, axis_doc_id) is not None

    def check(self, raw: bytes, settings: Settings, *, at: datetime | None = None) -> Checked:
        """Parse safely and verify, the signer's certificate at ``at`` (the arrival; default now).
        CPU only: run it in a thread. Raises ``MalformedPackage``."""
        package = parse_package(raw, limits=_limits(settings))
        return Checked(raw=raw, package=package, verification=_verified(raw, settings, at=at))

    async def take_in(
        self, session: AsyncSession, axis_doc_id: str, checked: Checked, *, now: datetime
    ) -> UUID | None:
        """Store a received package with its evidence and announce it; None if it was already stored."""
        packages = PackageRepository(session)
        if await packages.by_axis_doc(IN, axis_doc_id) is not None:
            return None
        package_id = new_id()
        if isinstance(checked.package, StatusPackage):
            await self._status_in(session, package_id, axis_doc_id, checked.package, now=now)
        else:
            await self._document_in(session, package_id, axis_doc_id, checked.package, checked, now=now)
        await packages.add_evidence(_evidence(package_id, IN, checked.raw, checked.verification, now))
        return package_id

    async def _status_in(
        self,
        session: AsyncSession,
        package_id: UUID,
        axis_doc_id: str,
        status: StatusPackage,
        *,
        now: datetime,
    ) -> None:
        packages = PackageRepository(session)
        reporter = canonical_organ_id(status.sender.organ_id)
        exchange_id = status.response_for.document_id
        answered = await packages.answered(exchange_id, reporter, status.status_code)
        await packages.add(
            models.ExchangePackage(
                id=package_id,
                direction=IN,
                kind="status",
                business_type=None,
                status_code=status.status_code,
                delivery_id=None,
                exchange_id=exchange_id[:100],
                sender_code=reporter,
                recipient_codes=canonical_organ_id(status.response_for.organ_id),
                axis_doc_id=axis_doc_id,
                state="received",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
        if answered is not None:
            senders = await packages.parties(answered.id, "sender")
            await packages.add_parties(package_id, {(agency_id, "recipient") for agency_id in senders})
        known = status.status_code in {code.value for code in StatusCode}
        if not known:
            return  # kept as evidence; the contract carries only the codes routing understands
        staff = status.staff_info.staff if status.staff_info else None
        await outbox.add(
            session,
            ExternalStatusReceived(
                delivery_id=answered.delivery_id if answered else None,
                package_id=package_id,
                exchange_id=exchange_id[:100],
                from_org_code=reporter,
                status=StatusCode(status.status_code),
                description=status.description[:1000] if status.description else None,
                staff=staff[:100] if staff else None,
                occurred_at=status.timestamp,
            ),
        )

    async def _document_in(
        self,
        session: AsyncSession,
        package_id: UUID,
        axis_doc_id: str,
        document: DocumentPackage,
        checked: Checked,
        *,
        now: datetime,
    ) -> None:
        packages, directory = PackageRepository(session), DirectoryEntryRepository(session)
        header = document.message_header
        sender_code = canonical_organ_id(header.sender.organ_id)
        recipients = [canonical_organ_id(r.organ_id) for r in header.recipients]
        sender = await directory.by_code(sender_code)
        local = []
        for code in dict.fromkeys(recipients):
            entry = await directory.by_code(code)
            if entry is not None and entry.active and not entry.external:
                local.append(entry)
        await packages.add(
            models.ExchangePackage(
                id=package_id,
                direction=IN,
                kind="document",
                business_type=str(document.bussiness.bussiness_doc_type.value),
                delivery_id=None,
                exchange_id=header.document_id[:100],
                sender_code=sender_code,
                recipient_codes=",".join(recipients)[:1000],
                axis_doc_id=axis_doc_id,
                state="received" if local else "unaddressed",
                attempts=0,
                note=document.bussiness.bussiness_doc_reason,
                created_at=now,
                updated_at=now,
            )
        )
        await packages.add_parties(package_id, {(entry.agency_id, "recipient") for entry in local})
        summary = summary_of(
            document, package_id=package_id, sender_org_id=sender.agency_id if sender else None
        )
        result = checked.verification
        for entry in local:
            await outbox.add(
                session,
                InboundDocumentReceived(
                    package_id=package_id,
                    sender_org_code=sender_code,
                    recipient_org_code=entry.code,
                    business_type=BusinessType(str(document.bussiness.bussiness_doc_type.value)),
                    document=summary,
                    signature=result.status.value,
                    signature_detail=result.reason[:1000] if result.reason else None,
                    received_at=now,
                    note=(document.bussiness.bussiness_doc_reason or "")[:1000] or None,
                ),
            )

    # --- reading --------------------------------------------------------------------------------

    async def search(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        direction: str | None,
        agency_code: str | None,
        delivery_id: UUID | None,
        limit: int,
        offset: int,
    ) -> list[schemas.Package]:
        if not principal.is_system_admin and principal.agency_id is None:
            return []
        found = await PackageRepository(session).visible(
            agency_id=None if principal.is_system_admin else principal.agency_id,
            direction=direction,
            agency_code=agency_code,
            delivery_id=delivery_id,
            limit=limit,
            offset=offset,
        )
        return [
            schemas.Package.model_validate(package).model_copy(
                update={"signature": status, "signature_detail": detail}
            )
            for package, status, detail in found
        ]

    async def attachment(
        self, session: AsyncSession, principal: Principal, package_id: UUID, wanted: UUID, settings: Settings
    ) -> Attachment:
        """One file of a received document package, read back from the stored evidence."""
        package, evidence = await self.evidence(session, principal, package_id)
        if package.direction == IN and package.kind == "document":
            document = await asyncio.to_thread(parse_document, evidence.raw, limits=_limits(settings))
            for attachment in document.attachments:
                if file_id(package.id, attachment.content_id) == wanted:
                    return attachment
        raise FileNotInPackage(f"package {package_id} carries no file {wanted}")

    async def evidence(
        self, session: AsyncSession, principal: Principal, package_id: UUID
    ) -> tuple[models.ExchangePackage, models.PackageEvidence]:
        packages = PackageRepository(session)
        package = await packages.get(package_id)
        visible = package is not None and (
            principal.is_system_admin
            or (principal.agency_id is not None and await packages.is_party(package_id, principal.agency_id))
        )
        evidence = await packages.evidence(package_id) if visible else None
        if package is None or evidence is None:
            raise PackageNotFound(f"no package {package_id} with stored evidence that your agency may see")
        return package, evidence


def file_id(package_id: UUID, content_id: str) -> UUID:
    """The id an attachment of a received package has in ``InboundDocumentReceived``'s ``FileRef``."""
    return uuid.uuid5(package_id, content_id)


def _delivery(package: models.ExchangePackage) -> UUID:
    if package.delivery_id is None:
        raise RuntimeError(f"outbound package {package.id} carries no delivery")
    return package.delivery_id


def _verified(raw: bytes, settings: Settings, *, at: datetime | None = None) -> VerificationResult:
    """The package's signature and its signer's chain to the configured anchors at ``at`` (CPU only)."""
    try:
        trust, unreadable = trust_from_settings(settings), None
    except TrustConfigError as exc:  # changed on disk since start-up: flag, never pass unchecked
        trust, unreadable = None, str(exc)
    verification = verify_package(
        raw, allow_sha1=settings.allow_sha1_signatures, trust=trust, at=at, limits=_limits(settings)
    )
    if unreadable is not None and verification.valid:
        verification = verification.model_copy(
            update={
                "status": SignatureStatus.INVALID,
                "chain": "untrusted",
                "reason": f"signer not checked: {unreadable}",
            }
        )
    return verification


def _limits(settings: Settings) -> ParseLimits:
    return ParseLimits(max_bytes=settings.max_package_bytes, max_depth=settings.max_package_depth)


packages = PackageService()
