"""The authentication audit log: append-only and hash-chained, each entry also published as an event.

The chain is ``kit_core.hashchain``'s: SHA-256 over the previous hash and the entry's canonical JSON;
the head row names the last entry, so truncating the log is detected as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.dependencies import Context
from kit_bus import outbox
from kit_contracts import AuthEventRecorded
from kit_core import get_logger, hashchain
from kit_core.hashchain import ChainReport, chain_hash, plain

from .repository import AuditRepository

# Failures that count against a user's sliding window: only attempts that were actually checked, so
# an attacker hammering a locked account does not keep it locked forever.
COUNTED_FAILURES = ("login.failed",)
log = get_logger(__name__)


def content(entry: models.AuthAudit) -> dict[str, Any]:
    """What an entry's hash covers."""
    return {
        "occurred_at": entry.occurred_at,
        "kind": entry.kind,
        "user_id": entry.user_id,
        "username": entry.username,
        "agency_id": entry.agency_id,
        "actor_id": entry.actor_id,
        "detail": entry.detail,
    }


class AuditService:
    async def record(
        self,
        session: AsyncSession,
        ctx: Context,
        kind: str,
        *,
        user: models.User | None = None,
        username: str | None = None,
        agency_id: UUID | None = None,
        actor_id: UUID | None = None,
        **detail: Any,
    ) -> models.AuthAudit:
        """Append an entry. Call it late in a transaction: it holds the chain's head until commit."""
        if ctx.ip:
            detail.setdefault("ip", ctx.ip)
        if ctx.user_agent:
            detail.setdefault("user_agent", ctx.user_agent)
        repo = AuditRepository(session)
        head = await repo.lock_head()
        entry = models.AuthAudit(
            occurred_at=ctx.now(),
            kind=kind,
            user_id=user.id if user else None,
            username=user.username if user else username,
            agency_id=agency_id,
            actor_id=actor_id,
            detail={k: plain(v) for k, v in detail.items() if v is not None},
            prev_hash=head.hash,
        )
        entry.hash = chain_hash(head.hash, content(entry))
        await repo.add(entry)
        await repo.move_head(last_id=entry.id, hash=entry.hash)
        await outbox.add(
            session,
            AuthEventRecorded(
                entry_id=entry.id,
                kind=entry.kind,
                occurred_at=entry.occurred_at,
                user_id=entry.user_id,
                username=entry.username,
                agency_id=entry.agency_id,
                actor_id=entry.actor_id,
                detail=entry.detail,
                hash=entry.hash,
            ),
        )
        log.info("auth.audit", kind=kind, entry_id=entry.id, user_id=str(entry.user_id or ""))
        return entry

    async def recent_failures(self, session: AsyncSession, *, user_id: UUID, since: datetime) -> int:
        return await AuditRepository(session).count_since(
            user_id=user_id, kinds=COUNTED_FAILURES, since=since
        )

    async def verify(self, session: AsyncSession, *, batch: int = 1000) -> ChainReport:
        repo = AuditRepository(session)
        head = await repo.head()
        return await hashchain.verify(
            lambda after: repo.batch_after(after, limit=batch),
            content,
            head_last_id=head.last_id,
            head_hash=head.hash,
        )


audit = AuditService()
