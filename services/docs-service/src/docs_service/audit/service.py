"""The documents' audit trail: every change of a document and every download of its files, append-
only and hash-chained (the pattern of identity-service's authentication audit).

The chain is ``kit_core.hashchain``'s (as identity-service's authentication audit): SHA-256 over the
previous hash and the entry's canonical JSON. Appenders lock the single head row, so the chain never
forks; the head names the last entry, so cutting entries off the end is detected as well as editing
or deleting one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from kit_core import get_logger, hashchain
from kit_core.hashchain import ChainReport, chain_hash, plain

from .repository import AuditRepository

log = get_logger(__name__)


def content(entry: models.DocumentAudit) -> dict[str, Any]:
    """What an entry's hash covers."""
    return {
        "occurred_at": entry.occurred_at,
        "kind": entry.kind,
        "document_id": entry.document_id,
        "org_id": entry.org_id,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "detail": entry.detail,
    }


@dataclass(frozen=True)
class Entry:
    """One entry to append: what happened to which document, by whom."""

    doc: models.Document
    kind: str
    detail: dict[str, Any]
    actor_id: UUID | None = None
    actor_name: str | None = None


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
        return (
            await self.record_many(
                session, [Entry(doc, kind, detail, actor_id=actor_id, actor_name=actor_name)], at=at
            )
        )[0]

    async def record_many(
        self, session: AsyncSession, entries: Sequence[Entry], *, at: datetime
    ) -> list[models.DocumentAudit]:
        """Append entries in order under one lock of the head (an intake batch: one statement for all).
        Ids are given here, the head's last id + 1 onwards, so a batch is one multi-row insert on
        every driver and the log's ids have no gaps."""
        if not entries:
            return []
        repo = AuditRepository(session)
        head = await repo.lock_head()
        previous = head.hash
        rows: list[models.DocumentAudit] = []
        for number, e in enumerate(entries, start=head.last_id + 1):
            row = models.DocumentAudit(
                id=number,  # the head's successor, taken under its lock: gapless, in chain order
                occurred_at=at,
                kind=e.kind,
                document_id=e.doc.id,
                org_id=e.doc.org_id,
                actor_id=e.actor_id,
                actor_name=e.actor_name,
                detail=plain(e.detail),
                prev_hash=previous,
            )
            row.hash = previous = chain_hash(previous, content(row))
            rows.append(row)
        await repo.add_all(rows)
        await repo.move_head(last_id=rows[-1].id, hash=rows[-1].hash)
        return rows

    async def of_document(
        self, session: AsyncSession, document_id: UUID, *, limit: int, before: int | None
    ) -> Sequence[models.DocumentAudit]:
        return await AuditRepository(session).of_document(document_id, limit=limit, before=before)

    async def verify(self, session: AsyncSession, *, batch: int = 1000) -> ChainReport:
        repo = AuditRepository(session)
        head = await repo.head()
        return await hashchain.verify(
            lambda after: repo.batch_after(after, limit=batch),
            content,
            head_last_id=head.last_id,
            head_hash=head.hash,
        )


audit_trail = AuditTrail()
