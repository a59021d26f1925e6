"""Partner webhook subscriptions and the deliveries events turn into.

Consumers only record rows (one per event and matching subscription, unique, so a redelivered event
adds nothing); the sending worker (``webhook.sender``) posts them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_contracts import DeliveryStatusChanged, DocumentIssued, NotificationRequested
from kit_core import OtherAgency, Principal, get_logger, new_id
from notify_service import models
from notify_service.config import Settings
from notify_service.dependencies import NotifyState
from notify_service.notification.repository import NotificationRepository
from notify_service.notification.service import WAKE_CHANNEL

from .exceptions import (
    AllowPrivateNeedsSystemAdmin,
    SubscriptionNotFound,
    TargetNotAllowed,
    TargetRefused,
    WebhookAgencyRequired,
)
from .repository import SubscriptionRepository, WebhookDeliveryRepository
from .schemas import SubscriptionCreate, SubscriptionUpdate
from .signing import generate_secret
from .targets import Resolver, check_target, system_resolver

log = get_logger(__name__)
A = models.SubscriptionStatus


async def check_url(
    settings: Settings, url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> list[str]:
    """The SSRF guard with this service's settings; raises ``TargetRefused``."""
    return await check_target(
        url,
        allow_non_public=settings.webhook_allow_private or allow_private,
        allowed_networks=settings.webhook_allowed_networks,
        allow_http=settings.webhook_allow_http or settings.webhook_allow_private or allow_private,
        resolver=resolver,
    )


def _may_manage(actor: Principal, org_id: UUID) -> None:
    """System administrators anywhere; agency administrators and clients for their own agency."""
    if not actor.may_act_for(org_id):
        raise OtherAgency(f"the subscription belongs to agency {org_id}; the token is for {actor.describe()}")


def envelope(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks payload: ``{type, timestamp, data}``, serialised once and sent as is."""
    return json.dumps(
        {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


class WebhookService:
    async def create(
        self, session: AsyncSession, actor: Principal, data: SubscriptionCreate, *, state: NotifyState
    ) -> tuple[models.WebhookSubscription, str]:
        org_id = data.org_id or actor.agency_id
        if org_id is None:
            raise WebhookAgencyRequired("give org_id: the token acts for no agency")
        _may_manage(actor, org_id)
        if data.allow_private and not actor.is_system_admin:
            raise AllowPrivateNeedsSystemAdmin("allow_private is set by a system administrator")
        await self._check(state.settings, data.url, allow_private=data.allow_private)
        now = state.clock.now()
        secret = generate_secret()
        row = models.WebhookSubscription(
            id=new_id(),
            org_id=org_id,
            owner=(actor.client_id or actor.subject)[:128],
            url=data.url,
            event_types=sorted(set(data.event_types)),
            description=data.description,
            secret=secret,
            previous_secret=None,
            previous_secret_expires_at=None,
            allow_private=data.allow_private,
            status=A.ACTIVE.value,
            paused_reason=None,
            consecutive_failures=0,
            failing_since=None,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        log.info("webhook.subscribed", subscription_id=str(row.id), org_id=str(org_id), url=data.url)
        return row, secret

    async def _check(self, settings: Settings, url: str, *, allow_private: bool) -> None:
        try:
            await check_url(settings, url, allow_private=allow_private)
        except TargetRefused as exc:
            raise TargetNotAllowed(str(exc)) from None

    async def get(
        self, session: AsyncSession, actor: Principal, subscription_id: UUID
    ) -> models.WebhookSubscription:
        row = await SubscriptionRepository(session).by_id(subscription_id)
        if row is None or not actor.may_act_for(row.org_id):  # another agency's: as if absent
            raise SubscriptionNotFound(f"no webhook subscription with id {subscription_id}")
        return row

    async def listing(
        self, session: AsyncSession, actor: Principal, *, org_id: UUID | None
    ) -> Sequence[models.WebhookSubscription]:
        if not actor.is_system_admin:
            org_id = actor.agency_id
        return await SubscriptionRepository(session).listing(org_id=org_id)

    async def update(
        self,
        session: AsyncSession,
        actor: Principal,
        subscription_id: UUID,
        data: SubscriptionUpdate,
        *,
        state: NotifyState,
    ) -> models.WebhookSubscription:
        row = await self.get(session, actor, subscription_id)
        if (
            data.allow_private is not None
            and data.allow_private != row.allow_private
            and not actor.is_system_admin
        ):
            raise AllowPrivateNeedsSystemAdmin("allow_private is set by a system administrator")
        allow_private = row.allow_private if data.allow_private is None else data.allow_private
        url = data.url or row.url
        await self._check(state.settings, url, allow_private=allow_private)
        row.url, row.allow_private = url, allow_private
        if data.event_types is not None:
            row.event_types = sorted(set(data.event_types))
        if data.description is not None:
            row.description = data.description
        row.updated_at = state.clock.now()
        return row

    async def delete(self, session: AsyncSession, actor: Principal, subscription_id: UUID) -> None:
        row = await self.get(session, actor, subscription_id)
        await session.delete(row)

    async def rotate(
        self, session: AsyncSession, actor: Principal, subscription_id: UUID, *, state: NotifyState
    ) -> tuple[models.WebhookSubscription, str]:
        """A new secret; the current one keeps signing too for ``webhook_rotation_overlap_hours``."""
        row = await self.get(session, actor, subscription_id)
        now = state.clock.now()
        secret = generate_secret()
        row.previous_secret, row.secret = row.secret, secret
        row.previous_secret_expires_at = now + timedelta(hours=state.settings.webhook_rotation_overlap_hours)
        row.updated_at = now
        log.info("webhook.secret_rotated", subscription_id=str(row.id))
        return row, secret

    async def resume(
        self, session: AsyncSession, actor: Principal, subscription_id: UUID, *, state: NotifyState
    ) -> models.WebhookSubscription:
        """Active again; everything that waited while paused is due at once."""
        row = await self.get(session, actor, subscription_id)
        now = state.clock.now()
        row.status, row.paused_reason = A.ACTIVE.value, None
        row.consecutive_failures, row.failing_since, row.updated_at = 0, None, now
        queued = await WebhookDeliveryRepository(session).requeue(row.id, now=now)
        state.wake_after_commit(session)
        await NotificationRepository(session).announce(WAKE_CHANNEL)
        log.info("webhook.resumed", subscription_id=str(row.id), requeued=queued)
        return row

    async def deliveries(
        self,
        session: AsyncSession,
        actor: Principal,
        subscription_id: UUID,
        *,
        status: str | None,
        limit: int,
    ) -> Sequence[models.WebhookDelivery]:
        row = await self.get(session, actor, subscription_id)
        return await WebhookDeliveryRepository(session).recent(row.id, status=status, limit=limit)

    # Events into deliveries.

    async def record(
        self,
        session: AsyncSession,
        *,
        event_id: UUID,
        event_type: str,
        org_ids: Sequence[UUID],
        occurred_at: datetime,
        data: dict[str, Any],
        state: NotifyState,
    ) -> int:
        """One delivery per matching subscription (paused ones too: they wait for the resume)."""
        subs = [
            s
            for s in await SubscriptionRepository(session).for_orgs(list(dict.fromkeys(org_ids)))
            if event_type in s.event_types
        ]
        if not subs:
            return 0
        now = state.clock.now()
        body = envelope(event_type, occurred_at, data)
        rows = [
            {
                "id": new_id(),
                "subscription_id": s.id,
                "event_id": event_id,
                "event_type": event_type,
                "body": body,
                "status": "created",
                "attempts": 0,
                "first_attempt_at": None,
                "next_attempt_at": now,
                "claimed_at": None,
                "completed_at": None,
                "last_status_code": None,
                "error": None,
                "created_at": now,
                "updated_at": now,
            }
            for s in subs
        ]
        added = await WebhookDeliveryRepository(session).add_new(rows)
        if added:
            state.wake_after_commit(session)
            await NotificationRepository(session).announce(WAKE_CHANNEL)
        return added

    async def on_delivery_status_changed(
        self, session: AsyncSession, event: DeliveryStatusChanged, event_id: UUID, state: NotifyState
    ) -> int:
        return await self.record(
            session,
            event_id=event_id,
            event_type="delivery.status_changed",
            org_ids=[event.sender_org_id, event.recipient_org_id],
            occurred_at=event.occurred_at,
            data=event.model_dump(mode="json"),
            state=state,
        )

    async def on_document_issued(
        self, session: AsyncSession, event: DocumentIssued, event_id: UUID, state: NotifyState
    ) -> int:
        return await self.record(
            session,
            event_id=event_id,
            event_type="document.issued",
            org_ids=[event.org_id],
            occurred_at=event.occurred_at,
            data=event.model_dump(mode="json"),
            state=state,
        )

    async def pause(
        self, session: AsyncSession, sub: models.WebhookSubscription, *, reason: str, state: NotifyState
    ) -> None:
        """Paused, and the agency's administrators told (a notification recorded here, directly)."""
        from notify_service.notification.service import notification as notification_service

        now = state.clock.now()
        sub.status, sub.paused_reason, sub.updated_at = A.PAUSED.value, reason, now
        request = NotificationRequested(
            request_id=new_id(),
            kind="webhook.paused",
            org_id=sub.org_id,
            org_roles=["agency_admin"],
            data={"url": sub.url, "failures": sub.consecutive_failures, "reason": reason},
            idempotency_key=f"webhook.paused:{sub.id}:{now.isoformat()}",
        )
        await notification_service.request(session, request, source="notify-service", state=state)
        log.warning("webhook.paused", subscription_id=str(sub.id), reason=reason)


webhooks = WebhookService()
