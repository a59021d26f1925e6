"""Dispatching issued documents: recipients resolved to distinct active agencies, one delivery each,
routed local or external, each announced by ``DeliveryCreated`` in the same transaction."""

from __future__ import annotations

import builtins
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import outbox
from kit_contracts import (
    BusinessType,
    Confidentiality,
    DeliveryCreated,
    DocumentIssued,
    DocumentRecalled,
    DocumentReplaced,
    DocumentSummary,
    StatusCode,
)
from kit_core import Principal, Role, ensure_agency, get_logger, new_id
from routing_service import models
from routing_service.delivery.repository import DeliveryRepository
from routing_service.delivery.schemas import Transport
from routing_service.delivery.service import delivery as delivery_service
from routing_service.delivery.service import is_overdue
from routing_service.group.exceptions import GroupNotFound
from routing_service.group.service import group as group_service
from routing_service.org.exceptions import MalformedAgencyCode, OrgNotFound
from routing_service.org.repository import OrgRepository
from routing_service.org.service import org as org_service

from .exceptions import (
    DispatchNotFound,
    DocumentNotIssued,
    DocumentReplacedAlready,
    DocumentWithdrawn,
    IdempotencyKeyReused,
    NoRecipients,
    NotForwardable,
    NotUpdatable,
    OutsideSubtree,
    ReplacementNotYetIssued,
    SecretDocument,
    SenderNotInDirectory,
    UnknownRecipients,
)
from .repository import DispatchRepository, IssuedDocumentRepository
from .schemas import (
    Dispatch,
    DispatchCreate,
    DispatchSummary,
    DispatchUpdate,
    ForwardCreate,
    PendingUnit,
    Recipients,
    Rollup,
)

log = get_logger(__name__)

# Four tiers: a forward chain deeper than this is a loop in the data, not a tree.
MAX_LEVELS: Final = 8
CONFIDENTIALITY_NAMES: Final = {
    Confidentiality.SECRET: "Mật",
    Confidentiality.TOP_SECRET: "Tối mật",
    Confidentiality.ABSOLUTE_SECRET: "Tuyệt mật",
}
NOT_ACCEPTED: Final = (None, StatusCode.ARRIVED.value, StatusCode.REFUSED.value)


def _fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _label(org: models.Org) -> str:
    return f"{org.name} ({org.code})"


def new_delivery(
    dispatch: models.Dispatch,
    recipient_org_id: UUID,
    recipient_code: str,
    external: bool,
    business_type: BusinessType,
    *,
    now: datetime,
    deadline: date | None = None,
    note: str | None = None,
    revokes_delivery_id: UUID | None = None,
) -> models.Delivery:
    return models.Delivery(
        id=new_id(),
        dispatch_id=dispatch.id,
        recipient_org_id=recipient_org_id,
        recipient_code=recipient_code,
        external=external,
        business_type=business_type.value,
        revokes_delivery_id=revokes_delivery_id,
        note=note,
        transport=Transport.PENDING.value,
        attempts=1,
        last_attempt_at=now,
        deadline=deadline,
        created_at=now,
    )


class DispatchService:
    # -- the replica of issued documents -------------------------------------------------------

    async def keep_issued(self, session: AsyncSession, event: DocumentIssued) -> None:
        repo = IssuedDocumentRepository(session)
        if await repo.get(event.document_id) is not None:
            return  # issued documents are immutable: the first copy is the copy
        summary = event.document
        await repo.add(
            models.IssuedDocument(
                id=event.document_id,
                org_id=event.org_id,
                exchange_id=summary.exchange_id,
                confidentiality=summary.confidentiality.value,
                urgency=summary.urgency.value,
                summary=summary.model_dump(mode="json"),
                issued_at=event.occurred_at,
            )
        )

    # -- recipients ----------------------------------------------------------------------------

    async def resolve(
        self, session: AsyncSession, sender: models.Org, recipients: Recipients
    ) -> builtins.list[models.Org]:
        """Distinct active agencies, in code order, the sender left out; anything unknown is an error."""
        found: dict[UUID, models.Org] = {}
        unknown: list[str] = []
        inactive: list[str] = []
        unknown_groups: list[str] = []
        by_code = await org_service.get_many_by_code(session, recipients.codes)
        for code in recipients.codes:
            org = by_code.get(code)
            if org is None:
                unknown.append(code)
                continue
            if not org.active:
                inactive.append(code)
                continue
            found.setdefault(org.id, org)
        for group_id in recipients.group_ids:
            try:
                members = await group_service.members(session, sender, group_id)
            except GroupNotFound:
                unknown_groups.append(str(group_id))
                continue
            for org in members:
                found.setdefault(org.id, org)
        for root_ref in recipients.subtrees:
            root = await self._org_by_ref(session, root_ref)
            if root is None:
                unknown.append(root_ref)
                continue
            for org, _ in await org_service.subtree(session, root, active=True):
                found.setdefault(org.id, org)
        if unknown or inactive or unknown_groups:
            parts = []
            if unknown:
                parts.append(f"not in the directory: {', '.join(unknown)}")
            if inactive:
                parts.append(f"no longer active: {', '.join(inactive)}")
            if unknown_groups:
                parts.append(f"not a group of {_label(sender)}: {', '.join(unknown_groups)}")
            raise UnknownRecipients(
                "; ".join(parts), unknown=unknown, inactive=inactive, unknown_groups=unknown_groups
            )
        found.pop(sender.id, None)
        if not found:
            raise NoRecipients(f"the recipients name no active agency other than {_label(sender)} itself")
        return sorted(found.values(), key=lambda org: org.code)

    @staticmethod
    async def _org_by_ref(session: AsyncSession, ref: str) -> models.Org | None:
        try:
            return await OrgRepository(session).get(UUID(ref))
        except ValueError:
            pass
        try:
            return await org_service.get_by_code(session, ref)
        except (OrgNotFound, MalformedAgencyCode):
            return None

    # -- sending -------------------------------------------------------------------------------

    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        data: DispatchCreate,
        *,
        idempotency_key: str | None,
        now: datetime,
    ) -> tuple[models.Dispatch, bool]:
        """The dispatch, and whether it was created now (False: the same request was made before)."""
        doc = await IssuedDocumentRepository(session).get(data.document_id)
        if doc is None:
            raise DocumentNotIssued(
                f"document {data.document_id} has not been issued, or its issue has not reached routing yet"
            )
        ensure_agency(principal, doc.org_id, roles=(Role.CLERK,))
        sender = await OrgRepository(session).get(doc.org_id)
        if sender is None:
            raise SenderNotInDirectory(f"the issuing agency {doc.org_id} is not in the directory")
        fingerprint = _fingerprint(
            {"document_id": str(doc.id), "recipients": data.recipients.model_dump(mode="json")}
        )
        if idempotency_key is not None and (
            earlier := await self._replay(session, sender, idempotency_key, fingerprint)
        ):
            return earlier, False
        self._check_sendable(doc)
        targets = await self.resolve(session, sender, data.recipients)
        dispatch = await self._send(
            session,
            principal,
            doc,
            sender,
            targets,
            parent=None,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            now=now,
        )
        return dispatch, True

    async def forward(
        self,
        session: AsyncSession,
        principal: Principal,
        delivery_id: UUID,
        data: ForwardCreate,
        *,
        idempotency_key: str | None,
        now: datetime,
    ) -> tuple[models.Dispatch, bool]:
        """A recipient passes what it received down its own subtree, as a child dispatch."""
        delivery, parent = await delivery_service.received(
            session, principal, delivery_id, roles=(Role.CLERK,)
        )
        if delivery.business_type not in (BusinessType.NEW, BusinessType.REPLACE):
            kind = "a recall" if delivery.business_type == BusinessType.REVOKE else "an update notice"
            raise NotForwardable(
                f"delivery {delivery.id} is {kind}; only a document (or the one replacing it) is forwarded"
            )
        if delivery.status is None:
            raise NotForwardable(
                f"delivery {delivery.id} has not arrived yet (no status 01); forward it once it has"
            )
        if delivery.status == StatusCode.REFUSED:
            raise NotForwardable(
                f"delivery {delivery.id} was refused (02); a refused document is not forwarded"
            )
        forwarder = await OrgRepository(session).get(delivery.recipient_org_id)
        if forwarder is None:  # the foreign key makes this impossible
            raise SenderNotInDirectory(f"agency {delivery.recipient_org_id} is not in the directory")
        fingerprint = _fingerprint(
            {"parent_delivery_id": str(delivery.id), "recipients": data.recipients.model_dump(mode="json")}
        )
        if idempotency_key is not None and (
            earlier := await self._replay(session, forwarder, idempotency_key, fingerprint)
        ):
            return earlier, False
        doc = await IssuedDocumentRepository(session).get(parent.document_id)
        if doc is None:
            raise DocumentNotIssued(f"document {parent.document_id} is no longer known to routing")
        self._check_sendable(doc)
        targets = await self.resolve(session, forwarder, data.recipients)
        below = {org.id for org, _ in await org_service.subtree(session, forwarder, include_self=False)}
        if outside := [org.code for org in targets if org.id not in below]:
            raise OutsideSubtree(
                f"{_label(forwarder)} forwards only to agencies below it; not below it: {', '.join(outside)}",
                outside=outside,
            )
        dispatch = await self._send(
            session,
            principal,
            doc,
            forwarder,
            targets,
            parent=delivery,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            now=now,
        )
        return dispatch, True

    @staticmethod
    async def _replay(
        session: AsyncSession, sender: models.Org, key: str, fingerprint: str
    ) -> models.Dispatch | None:
        earlier = await DispatchRepository(session).by_key(sender.id, key)
        if earlier is not None and earlier.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                f"the Idempotency-Key {key!r} was used by {_label(sender)} for dispatch {earlier.id}, "
                "with a different request; use a new key for a new request"
            )
        return earlier

    @staticmethod
    def _check_sendable(doc: models.IssuedDocument) -> None:
        if doc.recalled_at is not None:
            raise DocumentWithdrawn(f"document {doc.exchange_id} was recalled; it is not sent any more")
        if doc.replaced_by_id is not None:
            raise DocumentReplacedAlready(
                f"document {doc.exchange_id} was replaced by document {doc.replaced_by_id}; send that one",
                replaced_by_id=str(doc.replaced_by_id),
            )
        confidentiality = Confidentiality(doc.confidentiality)
        if confidentiality is not Confidentiality.NORMAL:
            raise SecretDocument(
                f"document {doc.exchange_id} is marked {CONFIDENTIALITY_NAMES[confidentiality]}: secret documents "
                "are never exchanged electronically (QĐ 28/2018/QĐ-TTg); send it on paper",
                confidentiality=confidentiality.value,
            )

    async def _send(
        self,
        session: AsyncSession,
        principal: Principal,
        doc: models.IssuedDocument,
        sender: models.Org,
        targets: Sequence[models.Org],
        *,
        parent: models.Delivery | None,
        idempotency_key: str | None,
        fingerprint: str,
        now: datetime,
    ) -> models.Dispatch:
        summary = DocumentSummary.model_validate(doc.summary)
        dispatch = await self.open(
            session,
            doc,
            sender,
            parent_delivery_id=parent.id if parent else None,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            principal=principal,
            now=now,
        )
        deadline = parent.deadline if parent is not None and parent.deadline else summary.due_date
        deliveries = [
            new_delivery(
                dispatch, org.id, org.code, org.external, BusinessType.NEW, deadline=deadline, now=now
            )
            for org in targets
        ]
        await self.announce(session, dispatch, sender.code, deliveries, summary)
        log.info(
            "dispatch.created",
            dispatch_id=str(dispatch.id),
            document_id=str(doc.id),
            deliveries=len(deliveries),
            external=sum(1 for d in deliveries if d.external),
            parent_delivery_id=str(parent.id) if parent else None,
        )
        return dispatch

    @staticmethod
    async def open(
        session: AsyncSession,
        doc: models.IssuedDocument,
        sender: models.Org,
        *,
        parent_delivery_id: UUID | None,
        idempotency_key: str | None,
        fingerprint: str | None,
        principal: Principal | None,
        now: datetime,
    ) -> models.Dispatch:
        """A new dispatch row (its deliveries come next, through ``announce``)."""
        return await DispatchRepository(session).add(
            models.Dispatch(
                id=new_id(),
                document_id=doc.id,
                exchange_id=doc.exchange_id,
                sender_org_id=sender.id,
                parent_delivery_id=parent_delivery_id,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
                created_by=principal.user_id if principal else None,
                created_by_name=(principal.name or principal.username or principal.subject)[:100]
                if principal
                else None,
                created_at=now,
            )
        )

    @staticmethod
    async def announce(
        session: AsyncSession,
        dispatch: models.Dispatch,
        sender_code: str,
        deliveries: Sequence[models.Delivery],
        summary: DocumentSummary,
    ) -> None:
        """Store the deliveries and put one ``DeliveryCreated`` each in the outbox."""
        if not deliveries:
            return
        await DeliveryRepository(session).add_all(deliveries)
        await outbox.add_many(
            session,
            [
                DeliveryCreated(
                    delivery_id=d.id,
                    dispatch_id=dispatch.id,
                    parent_delivery_id=dispatch.parent_delivery_id,
                    business_type=BusinessType(d.business_type),
                    sender_org_id=dispatch.sender_org_id,
                    sender_org_code=sender_code,
                    recipient_org_id=d.recipient_org_id,
                    recipient_org_code=d.recipient_code,
                    recipient_external=d.external,
                    document=summary,
                    note=d.note,
                    created_at=d.created_at,
                )
                for d in deliveries
            ],
        )

    # -- recall --------------------------------------------------------------------------------

    async def recall(self, session: AsyncSession, event: DocumentRecalled) -> None:
        """A revoke delivery (business type 1) to every recipient of the document, once each."""
        doc = await IssuedDocumentRepository(session).get(event.document_id)
        if doc is None:
            log.warning("dispatch.recall_of_unknown_document", document_id=str(event.document_id))
            return
        if doc.recalled_at is None:
            doc.recalled_at = event.occurred_at
            doc.recall_reason = event.reason
        repo = DeliveryRepository(session)
        rows = await repo.new_of_document(doc.id)
        done = await repo.revoked_ids([d.id for d, _ in rows])
        todo = [(d, p) for d, p in rows if d.id not in done]
        if not todo:
            return
        orgs = await OrgRepository(session).by_ids({p.sender_org_id for _, p in todo})
        summary = DocumentSummary.model_validate(doc.summary)
        revokes = [
            (
                models.Delivery(
                    id=new_id(),
                    dispatch_id=p.id,
                    recipient_org_id=d.recipient_org_id,
                    recipient_code=d.recipient_code,
                    external=d.external,
                    business_type=BusinessType.REVOKE.value,
                    revokes_delivery_id=d.id,
                    note=event.reason,
                    transport=Transport.PENDING.value,
                    attempts=1,
                    last_attempt_at=event.occurred_at,
                    created_at=event.occurred_at,
                ),
                p,
            )
            for d, p in todo
        ]
        await repo.add_all([r for r, _ in revokes])
        await outbox.add_many(
            session,
            [
                DeliveryCreated(
                    delivery_id=r.id,
                    dispatch_id=p.id,
                    parent_delivery_id=p.parent_delivery_id,
                    business_type=BusinessType.REVOKE,
                    sender_org_id=p.sender_org_id,
                    sender_org_code=orgs[p.sender_org_id].code,
                    recipient_org_id=r.recipient_org_id,
                    recipient_org_code=r.recipient_code,
                    recipient_external=r.external,
                    document=summary,
                    note=event.reason,
                    created_at=event.occurred_at,
                )
                for r, p in revokes
            ],
        )
        log.info("dispatch.recalled", document_id=str(doc.id), deliveries=len(revokes))

    # -- update and replace (business types 2 and 3) -------------------------------------------

    async def update(
        self,
        session: AsyncSession,
        principal: Principal,
        dispatch_id: UUID,
        data: DispatchUpdate,
        *,
        idempotency_key: str | None,
        now: datetime,
    ) -> tuple[models.Dispatch, bool]:
        """Tell a dispatch's recipients the document was updated: a dispatch of type-2 deliveries to the
        same agencies, the note saying what changed. The dispatch, and whether it was created now."""
        original = await self.readable(session, principal, dispatch_id)
        ensure_agency(principal, original.sender_org_id, roles=(Role.CLERK,))
        sender = await OrgRepository(session).get(original.sender_org_id)
        if sender is None:  # the foreign key makes this impossible
            raise SenderNotInDirectory(f"the sending agency {original.sender_org_id} is not in the directory")
        fingerprint = _fingerprint({"update_of": str(original.id), "note": data.note})
        if idempotency_key is not None and (
            earlier := await self._replay(session, sender, idempotency_key, fingerprint)
        ):
            return earlier, False
        doc = await IssuedDocumentRepository(session).get(original.document_id)
        if doc is None:  # the foreign key makes this impossible
            raise DocumentNotIssued(f"document {original.document_id} is no longer known to routing")
        self._check_sendable(doc)
        targets = await DeliveryRepository(session).of_dispatches(
            [original.id], business_type=BusinessType.NEW
        )
        if not targets:
            raise NotUpdatable(
                f"dispatch {original.id} does not send the document itself (it is an update or a replacement); "
                "update the dispatch that sent the document"
            )
        dispatch = await self.open(
            session,
            doc,
            sender,
            parent_delivery_id=original.parent_delivery_id,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            principal=principal,
            now=now,
        )
        deliveries = [
            new_delivery(
                dispatch,
                d.recipient_org_id,
                d.recipient_code,
                d.external,
                BusinessType.UPDATE,
                now=now,
                note=data.note,
            )
            for d in targets
        ]
        await self.announce(
            session, dispatch, sender.code, deliveries, DocumentSummary.model_validate(doc.summary)
        )
        log.info(
            "dispatch.updated",
            dispatch_id=str(dispatch.id),
            update_of=str(original.id),
            deliveries=len(deliveries),
        )
        return dispatch, True

    async def replace(self, session: AsyncSession, event: DocumentReplaced) -> None:
        """Beside every delivery of the replaced document (forwards included), a delivery of business
        type 3 carrying the new one, its note naming the replaced exchange id; once each. The new
        document must be in the replica: until its issue reaches routing, this raises and is retried."""
        documents = IssuedDocumentRepository(session)
        old = await documents.get(event.document_id)
        if old is None:
            log.warning("dispatch.replace_of_unknown_document", document_id=str(event.document_id))
            return
        rows = await DeliveryRepository(session).new_of_document(old.id)
        if not rows:
            old.replaced_by_id = event.replaced_by_id
            log.info("dispatch.replace_of_unsent_document", document_id=str(old.id))
            return
        new = await documents.get(event.replaced_by_id)
        if new is None:
            raise ReplacementNotYetIssued(
                f"document {event.replaced_by_id}, which replaces {event.exchange_id}, has not reached routing yet"
            )
        old.replaced_by_id = new.id
        summary = DocumentSummary.model_validate(new.summary)
        note = f"Thay thế văn bản {event.exchange_id}"[:1000]
        by_dispatch: dict[UUID, tuple[models.Dispatch, list[models.Delivery]]] = {}
        for d, p in rows:
            by_dispatch.setdefault(p.id, (p, []))[1].append(d)
        orgs = await OrgRepository(session).by_ids({p.sender_org_id for p, _ in by_dispatch.values()})
        dispatches, deliveries = DispatchRepository(session), DeliveryRepository(session)
        created = 0
        for original, replaced in by_dispatch.values():
            sender = orgs[original.sender_org_id]
            key = f"replace:{original.id}:{new.id}"
            replacement = await dispatches.by_key(sender.id, key) or await self.open(
                session,
                new,
                sender,
                parent_delivery_id=original.parent_delivery_id,
                idempotency_key=key,
                fingerprint=None,
                principal=None,
                now=event.occurred_at,
            )
            done = {d.recipient_org_id for d in await deliveries.of_dispatches([replacement.id])}
            todo = [
                new_delivery(
                    replacement,
                    d.recipient_org_id,
                    d.recipient_code,
                    d.external,
                    BusinessType.REPLACE,
                    now=event.occurred_at,
                    deadline=summary.due_date,
                    note=note,
                )
                for d in replaced
                if d.recipient_org_id not in done
            ]
            await self.announce(session, replacement, sender.code, todo, summary)
            created += len(todo)
        log.info("dispatch.replaced", document_id=str(old.id), replaced_by=str(new.id), deliveries=created)

    # -- reading -------------------------------------------------------------------------------

    async def readable(
        self, session: AsyncSession, principal: Principal, dispatch_id: UUID
    ) -> models.Dispatch:
        """The sender's agency reads its dispatches; to others they do not exist."""
        dispatch = await DispatchRepository(session).get(dispatch_id)
        if dispatch is None or not principal.may_act_for(dispatch.sender_org_id):
            raise DispatchNotFound(f"no dispatch {dispatch_id}")
        return dispatch

    async def view(self, session: AsyncSession, dispatch: models.Dispatch, *, on: date) -> Dispatch:
        deliveries = await DeliveryRepository(session).of_dispatches([dispatch.id])
        sender = await org_service.get(session, dispatch.sender_org_id)
        doc = await IssuedDocumentRepository(session).get(dispatch.document_id)
        if doc is None:  # the foreign key makes this impossible
            raise DocumentNotIssued(f"document {dispatch.document_id} is no longer known to routing")
        return Dispatch(
            id=dispatch.id,
            document_id=dispatch.document_id,
            exchange_id=dispatch.exchange_id,
            document=DocumentSummary.model_validate(doc.summary),
            sender_org_id=sender.id,
            sender_code=sender.code,
            sender_name=sender.name,
            parent_delivery_id=dispatch.parent_delivery_id,
            created_by=dispatch.created_by,
            created_by_name=dispatch.created_by_name,
            created_at=dispatch.created_at,
            deliveries=await delivery_service.views(session, deliveries, on=on),
        )

    async def list(
        self, session: AsyncSession, sender_org_id: UUID, *, limit: int, offset: int
    ) -> builtins.list[DispatchSummary]:
        dispatches = await DispatchRepository(session).of_sender(sender_org_id, limit=limit, offset=offset)
        deliveries = await DeliveryRepository(session).of_dispatches([d.id for d in dispatches])
        # Distinct agencies per dispatch: a document's, an update's or a replacement's, never its recalls.
        pairs = {
            (d.dispatch_id, d.recipient_org_id) for d in deliveries if d.business_type != BusinessType.REVOKE
        }
        counts = Counter(dispatch_id for dispatch_id, _ in pairs)
        docs = await IssuedDocumentRepository(session).by_ids({d.document_id for d in dispatches})
        return [
            DispatchSummary(
                id=d.id,
                document_id=d.document_id,
                exchange_id=d.exchange_id,
                subject=str(docs[d.document_id].summary.get("subject", "")),
                parent_delivery_id=d.parent_delivery_id,
                created_at=d.created_at,
                recipients=counts[d.id],
            )
            for d in dispatches
        ]

    async def rollup(self, session: AsyncSession, dispatch: models.Dispatch, *, on: date) -> Rollup:
        """Counts over the dispatch and every forward below it, level by level."""
        deliveries = DeliveryRepository(session)
        dispatches = DispatchRepository(session)
        level: Sequence[models.Dispatch] = [dispatch]
        senders: dict[UUID, UUID] = {}  # dispatch → its sender
        seen: set[UUID] = set()
        found: list[tuple[models.Delivery, int]] = []
        depth = 0
        while level and depth < MAX_LEVELS:
            seen.update(d.id for d in level)
            senders.update({d.id: d.sender_org_id for d in level})
            batch = await deliveries.of_dispatches([d.id for d in level], business_type=BusinessType.NEW)
            found.extend((d, depth) for d in batch)
            level = [d for d in await dispatches.forwards_of([d.id for d in batch]) if d.id not in seen]
            depth += 1
        orgs = await OrgRepository(session).by_ids({d.recipient_org_id for d, _ in found})
        pending = [
            PendingUnit(
                delivery_id=d.id,
                org_id=d.recipient_org_id,
                code=d.recipient_code,
                name=orgs[d.recipient_org_id].name,
                status=d.status,
                depth=level_of,
                forwarded_by=senders[d.dispatch_id] if level_of else None,
            )
            for d, level_of in found
            if d.status in NOT_ACCEPTED
        ]
        return Rollup(
            dispatch_id=dispatch.id,
            total=len(found),
            levels=max((level_of for _, level_of in found), default=-1) + 1,
            by_status=dict(sorted(Counter(d.status or "none" for d, _ in found).items())),
            by_transport=dict(sorted(Counter(d.transport for d, _ in found).items())),
            overdue=sum(1 for d, _ in found if is_overdue(d, on)),
            not_accepted=sorted(pending, key=lambda p: (p.depth, p.code)),
        )


dispatch = DispatchService()
