"""Taking a request: resolve recipients, choose channels, render, and record one delivery per
recipient and channel. Nothing leaves here: the sending worker sends what this commits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from kit_contracts import NotificationRequested
from kit_core import OtherAgency, Principal, get_logger, new_id
from notify_service import models
from notify_service.dependencies import NotifyState
from notify_service.digest import service as digest
from notify_service.preference.service import preference as preference_service
from notify_service.recipient.repository import UserRepository
from notify_service.template.defaults import KINDS
from notify_service.template.service import Rendered, render_text
from notify_service.template.service import template as template_service

from .exceptions import (
    AgencyRequired,
    NoRecipients,
    NotificationNotFound,
    OverrideNeedsOneRecipient,
    RecipientOutsideAgency,
    TooManyRequests,
)
from .repository import NotificationRepository

log = get_logger(__name__)
CHANNELS: Final = tuple(c.value for c in models.Channel)
MINUTE: Final = timedelta(minutes=1)
WAKE_CHANNEL: Final = "notify_delivery"  # PostgreSQL NOTIFY: new deliveries to send


def check_request(request: NotificationRequested) -> None:
    """What no retry can fix: a request naming nobody, or an override that would reach many."""
    by_role = request.org_id is not None and bool(request.org_roles)
    if not request.user_ids and not by_role and not (request.phone or request.email):
        raise NoRecipients(
            f"notification request {request.request_id} ({request.kind}) names no users: give user_ids, "
            "org_id with org_roles, or a phone or e-mail"
        )
    if (request.phone or request.email) and (len(set(request.user_ids)) > 1 or by_role):
        raise OverrideNeedsOneRecipient(
            f"notification request {request.request_id} gives a phone or e-mail to send to but names more "
            "than one recipient; an override is for exactly one"
        )


class NotificationService:
    async def authorize(
        self, session: AsyncSession, admin: Principal, *, org_id: UUID | None, user_ids: Sequence[UUID]
    ) -> None:
        """A system administrator notifies anyone; an agency administrator only people of their agency."""
        if admin.is_system_admin:
            return
        if org_id is None:
            raise AgencyRequired("give org_id: your agency (an agency administrator notifies only within it)")
        if not admin.may_act_for(org_id):
            raise OtherAgency(f"org_id {org_id} is not your agency; the token is for {admin.describe()}")
        members = await UserRepository(session).members_of(org_id, user_ids)
        outside = sorted(str(u) for u in set(user_ids) - members)
        if outside:
            raise RecipientOutsideAgency(f"users {', '.join(outside)} hold no role in your agency {org_id}")

    async def request(
        self,
        session: AsyncSession,
        request: NotificationRequested,
        *,
        source: str,
        state: NotifyState,
        per_minute: int | None = None,
    ) -> tuple[models.Notification, bool]:
        """Record the request once per idempotency key; (the notification, True if created now).

        ``per_minute``: at most this many new notifications from ``source`` in a sliding minute (API
        callers); a repeated key is answered whatever the limit.
        """
        check_request(request)
        repo = NotificationRepository(session)
        existing = await repo.by_key(request.idempotency_key)
        if existing is not None:
            return existing, False
        now = state.clock.now()
        if per_minute is not None:
            recent = await repo.created_by_since(source[:128], now - MINUTE)
            if len(recent) >= per_minute:
                free_at = recent[len(recent) - per_minute] + MINUTE
                wait = max(1, math.ceil((free_at - now).total_seconds()))
                raise TooManyRequests(
                    f"{source} created {len(recent)} notifications in the last minute; at most {per_minute}. "
                    f"Try again in {wait} s.",
                    retry_after=wait,
                )
        notification_id = new_id()
        created = await repo.add_if_new(
            {
                "id": notification_id,
                "request_id": request.request_id,
                "kind": request.kind,
                "idempotency_key": request.idempotency_key,
                "source": source[:128],
                "org_id": request.org_id,
                "org_roles": list(request.org_roles),
                "user_ids": [str(u) for u in request.user_ids],
                "channels": list(request.channels) if request.channels is not None else None,
                "phone": request.phone,
                "email": request.email,
                "critical": request.critical,
                "created_at": now,
            }
        )
        if not created:  # a concurrent twin won the key
            twin = await repo.by_key(request.idempotency_key)
            if twin is None:
                raise RuntimeError(f"idempotency key {request.idempotency_key!r} vanished")
            return twin, False
        rows = await self._plan(session, request, notification_id, state=state, now=now)
        await repo.add_deliveries(rows)
        if request.kind in digest.TRACKED:  # the daily digest's work list
            users = [u for u in await self._recipients(session, request) if u is not None]
            await digest.track(session, request, users, now=now)
        state.wake_after_commit(session)
        if rows:
            await repo.announce(WAKE_CHANNEL)
        log.info(
            "notification.recorded",
            notification_id=str(notification_id),
            request_id=str(request.request_id),
            kind=request.kind,
            source=source,
            deliveries=len(rows),
        )
        notification = await repo.full(notification_id)
        if notification is None:
            raise RuntimeError(f"notification {notification_id} vanished")
        return notification, True

    async def _recipients(self, session: AsyncSession, request: NotificationRequested) -> list[UUID | None]:
        users = UserRepository(session)
        named = list(dict.fromkeys(request.user_ids))
        by_role = (
            await users.holding_roles(request.org_id, request.org_roles)
            if request.org_id is not None and request.org_roles
            else []
        )
        ids = list(dict.fromkeys([*named, *by_role]))
        known = await users.by_ids(ids)
        # A user the replica does not know yet (identity's snapshot may still be on its way) is kept;
        # one it knows to be deactivated is not.
        active: list[UUID | None] = [u for u in ids if u not in known or known[u].active]
        if not ids and (request.phone or request.email):
            active = [None]  # a bare address: an OTP to a number not yet on file
        return active

    async def _plan(
        self,
        session: AsyncSession,
        request: NotificationRequested,
        notification_id: UUID,
        *,
        state: NotifyState,
        now: datetime,
    ) -> list[dict[str, Any]]:
        recipients = await self._recipients(session, request)
        spec = KINDS.get(request.kind)
        defaults: Sequence[str] = spec.channels if spec else ("in_app",)
        allowed: Sequence[str] = spec.allowed_channels if spec else ("in_app",)
        requested = [c for c in request.channels if c in CHANNELS] if request.channels is not None else None
        users = [u for u in recipients if u is not None]
        choices = await preference_service.choices(session, users, request.kind)

        per_user: dict[UUID | None, list[str]] = {}
        for user in recipients:
            if user is None:
                bare = [c for c, given in (("sms", request.phone), ("email", request.email)) if given]
                per_user[user] = [c for c in (requested or bare) if c in bare and c in allowed]
            else:
                per_user[user] = choices.channels(
                    user, defaults=defaults, allowed=allowed, requested=requested, critical=request.critical
                )
        needed = sorted({c for channels in per_user.values() for c in channels})
        texts = await template_service.texts_for(session, request.kind, needed)
        values = {"app_url": state.settings.public_url, **request.data}
        if request.kind == "auth.otp":
            values.setdefault("minutes", state.settings.otp_valid_minutes)
        rendered: dict[str, Rendered | str] = {}
        for channel, (text, version) in texts.items():
            try:
                rendered[channel] = render_text(text, values, version=version)
            except TemplateError as exc:
                rendered[channel] = (
                    f"the {request.kind} {channel} template (version {version}) does not render: {exc}"
                )

        rows = []
        for user, channels in per_user.items():
            for channel in channels:
                result = rendered.get(channel)
                if result is None:
                    continue
                address = {"sms": request.phone, "email": request.email}.get(channel)
                row: dict[str, Any] = {
                    "id": new_id(),
                    "notification_id": notification_id,
                    "user_id": user,
                    "channel": channel,
                    "status": models.DeliveryStatus.CREATED.value,
                    "critical": request.critical,
                    "kind": request.kind,
                    "address": address,
                    "title": None,
                    "body": "",
                    "html": None,
                    "data": {},
                    "template_version": None,
                    "attempts": 0,
                    "next_attempt_at": choices.not_before(user, channel, now=now, critical=request.critical),
                    "claimed_at": None,
                    "sent_at": None,
                    "completed_at": None,
                    "provider": None,
                    "provider_message_id": None,
                    "error": None,
                    "created_at": now,
                    "updated_at": now,
                }
                if isinstance(result, str):
                    # Recorded, not raised: the request stands, and an administrator sees why nothing went.
                    row |= {
                        "status": models.DeliveryStatus.PERMANENT_FAILURE.value,
                        "error": result,
                        "completed_at": now,
                    }
                else:
                    row |= {
                        "title": result.title,
                        "body": result.body,
                        "html": result.html,
                        "template_version": result.version,
                    }
                    if channel == "in_app":
                        row["data"] = {
                            "request_id": str(request.request_id),
                            "org_id": str(request.org_id) if request.org_id else None,
                            **{k: request.data[k] for k in sorted(result.shown) if k in request.data},
                        }
                rows.append(row)
        return rows

    async def get(self, session: AsyncSession, notification_id: UUID) -> models.Notification:
        notification = await NotificationRepository(session).full(notification_id)
        if notification is None:
            raise NotificationNotFound(f"no notification with id {notification_id}")
        return notification

    async def search(
        self,
        session: AsyncSession,
        *,
        org_id: UUID | None,
        kind: str | None,
        user_id: UUID | None,
        status: str | None,
        since: datetime | None,
        limit: int,
        source: str | None = None,
    ) -> Sequence[models.Notification]:
        return await NotificationRepository(session).search(
            org_id=org_id, source=source, kind=kind, user_id=user_id, status=status, since=since, limit=limit
        )


notification = NotificationService()
