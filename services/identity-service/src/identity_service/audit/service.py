"""The authentication audit log: append-only and hash-chained, each entry also published as an event.

``hash`` = SHA-256 over the previous entry's hash, a newline, and the entry's canonical JSON (sorted
keys, no spaces, UTF-8, times in ISO 8601 UTC with microseconds). The first entry chains to
``GENESIS``. The head row names the last entry, so truncating the log is detected as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.dependencies import Context
from kit_bus import outbox
from kit_contracts import AuthEventRecorded
from kit_core import get_logger

from .repository import AuditRepository

GENESIS = "0" * 64
# Failures that count against a user's sliding window: only attempts that were actually checked, so
# an attacker hammering a locked account does not keep it locked forever.
COUNTED_FAILURES = ("login.failed",)
log = get_logger(__name__)


def canonical(entry: models.AuthAudit) -> bytes:
    content = {
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": entry.kind,
        "user_id": str(entry.user_id) if entry.user_id else None,
        "username": entry.username,
        "agency_id": str(entry.agency_id) if entry.agency_id else None,
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "detail": entry.detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, entry: models.AuthAudit) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def _plain(value: Any) -> Any:
    """Detail values as JSON keeps them, so the hash computed now is the hash recomputed later."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None and self.reason is None


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
            detail={k: _plain(v) for k, v in detail.items() if v is not None},
            prev_hash=head.hash,
        )
        entry.hash = chain_hash(head.hash, entry)
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
        prev_hash, last_id, count = GENESIS, 0, 0
        while rows := await repo.batch_after(last_id, limit=batch):
            for entry in rows:
                count += 1
                if entry.prev_hash != prev_hash:
                    return ChainReport(
                        count, head.hash, entry.id, "does not chain to the entry before it (one was removed?)"
                    )
                if chain_hash(prev_hash, entry) != entry.hash:
                    return ChainReport(count, head.hash, entry.id, "its content does not match its hash")
                prev_hash, last_id = entry.hash, entry.id
        if (head.last_id, head.hash) != (last_id, prev_hash):
            return ChainReport(
                count,
                head.hash,
                None,
                f"the head names entry {head.last_id} but the log ends at {last_id} (entries cut off?)",
            )
        return ChainReport(count, head.hash)


audit = AuditService()
