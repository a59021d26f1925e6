"""The national axis, as egov-gateway reports it: transport states and statuses of our external
deliveries, and documents external senders address to our agencies (inbound deliveries)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import PermanentError
from kit_contracts import (
    BusinessType,
    ExternalStatusReceived,
    ExternalTransportChanged,
    InboundDocumentReceived,
)
from kit_core import get_logger
from routing_service import models
from routing_service.delivery.repository import DeliveryRepository
from routing_service.delivery.schemas import Transport
from routing_service.delivery.service import delivery as delivery_service
from routing_service.dispatch.repository import DispatchRepository, IssuedDocumentRepository
from routing_service.dispatch.service import dispatch as dispatch_service
from routing_service.dispatch.service import new_delivery
from routing_service.org.exceptions import MalformedAgencyCode, OrgNotFound
from routing_service.org.service import org as org_service

log = get_logger(__name__)


def package_key(package_id: UUID, recipient_code: str) -> str:
    """The idempotency key of the dispatch an inbound package became for one recipient (unique per
    sender): egov-gateway announces a package addressed to several of our agencies once per agency."""
    return f"egov-package:{package_id}:{recipient_code}"


class ExternalService:
    async def _external_delivery(
        self, session: AsyncSession, delivery_id: UUID, *, what: str
    ) -> tuple[models.Delivery, models.Dispatch] | None:
        found = await DeliveryRepository(session).with_dispatch(delivery_id)
        if found is None:
            log.warning("external.unknown_delivery", delivery_id=str(delivery_id), report=what)
            return None
        if not found[0].external:
            log.warning("external.local_delivery", delivery_id=str(delivery_id), report=what)
            return None
        return found

    async def transport_changed(self, session: AsyncSession, event: ExternalTransportChanged) -> None:
        found = await self._external_delivery(session, event.delivery_id, what="transport")
        if found is None:
            return
        delivery, dispatch = found
        await delivery_service.external_transport(
            session,
            delivery,
            dispatch,
            Transport(event.state),
            attempts=event.attempts,
            occurred_at=event.occurred_at,
            detail=event.detail,
        )

    async def status_received(self, session: AsyncSession, event: ExternalStatusReceived) -> None:
        """A trail entry, through the one writer of the trail (same order rules as local statuses)."""
        if event.delivery_id is None:
            log.warning(
                "external.status_unmatched",
                exchange_id=event.exchange_id,
                from_org_code=event.from_org_code,
                status=event.status.value,
                package_id=str(event.package_id),
            )
            return
        found = await self._external_delivery(session, event.delivery_id, what="status")
        if found is None:
            return
        delivery, dispatch = found
        try:
            reporter = await org_service.get_by_code(session, event.from_org_code)
        except (OrgNotFound, MalformedAgencyCode):
            reporter = None
        if reporter is None or reporter.id != delivery.recipient_org_id:
            log.warning(
                "external.wrong_recipient",
                delivery_id=str(delivery.id),
                recipient=delivery.recipient_code,
                reported_by=event.from_org_code,
                exchange_id=event.exchange_id,
            )
            return
        await delivery_service.record(
            session,
            delivery,
            dispatch,
            event.status,
            occurred_at=event.occurred_at,
            actor_name=event.staff,
            note=event.description,
        )

    async def inbound(self, session: AsyncSession, event: InboundDocumentReceived) -> None:
        """One dispatch from the external sender with one delivery to our agency, announced by
        ``DeliveryCreated`` (docs-service makes the incoming copy or flags the one it has); once per
        package. A revoke points at the delivery of the document it revokes."""
        sender = await self._agency(event.sender_org_code, session)
        if sender is None:
            raise PermanentError(
                f"package {event.package_id}: the sender {event.sender_org_code} is not in the directory; "
                "replay this dead letter once a directory sync has added it"
            )
        recipient = await self._agency(event.recipient_org_code, session)
        if recipient is None or recipient.external or not recipient.active:
            state = "not in the directory" if recipient is None else "not one of our active agencies"
            raise PermanentError(
                f"package {event.package_id}: the recipient {event.recipient_org_code} is {state}"
            )
        key = package_key(event.package_id, event.recipient_org_code)
        if await DispatchRepository(session).by_key(sender.id, key) is not None:
            return  # this package is a dispatch already
        summary = event.document
        documents = IssuedDocumentRepository(session)
        doc = await documents.get(summary.document_id)
        if doc is None:
            doc = await documents.add(
                models.IssuedDocument(
                    id=summary.document_id,
                    org_id=sender.id,
                    exchange_id=summary.exchange_id,
                    confidentiality=summary.confidentiality.value,
                    urgency=summary.urgency.value,
                    summary=summary.model_dump(mode="json"),
                    issued_at=event.received_at,
                )
            )
        revokes: models.Delivery | None = None
        if event.business_type is BusinessType.REVOKE:
            revokes = await DeliveryRepository(session).latest_delivered(
                sender.id, recipient.id, summary.exchange_id
            )
            if revokes is None:
                raise PermanentError(
                    f"package {event.package_id}: {sender.code} revokes {summary.exchange_id}, which it never "
                    f"sent to {recipient.code} through the axis; replay this dead letter once that document is in"
                )
            if doc.recalled_at is None:
                doc.recalled_at = event.received_at
        dispatch = await dispatch_service.open(
            session,
            doc,
            sender,
            parent_delivery_id=None,
            idempotency_key=key,
            fingerprint=None,
            principal=None,
            now=event.received_at,
        )
        delivery = new_delivery(
            dispatch,
            recipient.id,
            recipient.code,
            False,
            event.business_type,
            now=event.received_at,
            deadline=summary.due_date if event.business_type is BusinessType.NEW else None,
            note=event.note,
            revokes_delivery_id=revokes.id if revokes else None,
        )
        await dispatch_service.announce(session, dispatch, sender.code, [delivery], summary)
        log.info(
            "external.inbound",
            package_id=str(event.package_id),
            delivery_id=str(delivery.id),
            sender=sender.code,
            recipient=recipient.code,
            business_type=event.business_type.value,
            signature=event.signature,
        )

    @staticmethod
    async def _agency(code: str, session: AsyncSession) -> models.Org | None:
        try:
            return await org_service.get_by_code(session, code)
        except (OrgNotFound, MalformedAgencyCode):
            return None


external = ExternalService()
