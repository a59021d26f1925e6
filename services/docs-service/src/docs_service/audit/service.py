"""The documents' audit trail: every change of a document and every download of its files, append-
only and hash-chained (the pattern of identity-service's authentication audit).

``hash`` = SHA-256 over the previous entry's hash, a newline, and the entry's canonical JSON (sorted
keys, no spaces, UTF-8, times in ISO 8601 UTC with microseconds). The first entry chains to
``GENESIS``. Appenders lock the single head row, so the chain never forks; the head names the last
entry, so cutting entries off the end is detected as well as editing or deleting one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from kit_core import get_logger

from .repository import AuditRepository

GENESIS: Final = "0" * 64
log = get_logger(__name__)


def canonical(entry: models.DocumentAudit) -> bytes:
    content = {
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": entry.kind,
        "document_id": str(entry.document_id),
        "org_id": str(entry.org_id),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_name": entry.actor_name,
        "detail": entry.detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, entry: models.DocumentAudit) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def plain(value: Any) -> Any:
    """Values as JSON keeps them, so the hash computed now is the hash recomputed later."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
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


class AuditTrail:
    async def record(
        self,
        session: AsyncSession,
        doc: models.Document,
        kind: str,
        *,
        at: datetime,
        actor_id: UUID | None,
        actor_name: str | None,
        detail: dict[str, Any],
    ) -> models.DocumentAudit:
        """Append an entry; it holds the chain's head until the transaction ends."""
        repo = AuditRepository(session)
        head = await repo.lock_head()
        entry = models.DocumentAudit(
            occurred_at=at,
            kind=kind,
            document_id=doc.id,
            org_id=doc.org_id,
            actor_id=actor_id,
            actor_name=actor_name,
            detail=plain(detail),
            prev_hash=head.hash,
        )
        entry.hash = chain_hash(head.hash, entry)
        await repo.add(entry)
        await repo.move_head(last_id=entry.id, hash=entry.hash)
        return entry

    async def of_document(
        self, session: AsyncSession, document_id: UUID, *, limit: int, before: int | None
    ) -> Sequence[models.DocumentAudit]:
        return await AuditRepository(session).of_document(document_id, limit=limit, before=before)

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


audit_trail = AuditTrail()
