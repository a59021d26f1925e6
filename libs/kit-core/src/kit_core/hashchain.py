"""Append-only logs whose entries are chained by SHA-256, so editing, removing or cutting off an entry
shows (identity's authentication audit, docs-service's document audit).

``hash`` = SHA-256 over the previous entry's hash, a newline, and the entry's canonical JSON (sorted
keys, no spaces, UTF-8; values made plain first: times in ISO 8601 UTC with microseconds, ids as
strings). The first entry chains to ``GENESIS``. Each log keeps one head row naming its last entry,
locked by every appender (so the chain never forks) and compared by ``verify`` (so truncation shows).
This module holds the arithmetic; each service keeps its tables and decides what an entry's content is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Protocol, TypeVar
from uuid import UUID

GENESIS: Final = "0" * 64


def plain(value: Any) -> Any:
    """A value as JSON keeps it, so the hash computed now is the hash recomputed from the stored row."""
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


def canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(
        plain(dict(content)), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


class Entry(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None and self.reason is None


async def verify(
    batch_after: Callable[[int], Awaitable[Sequence[E]]],
    content: Callable[[E], Mapping[str, Any]],
    *,
    head_last_id: int,
    head_hash: str,
) -> ChainReport:
    """Walk the log in id order (``batch_after(last_id)`` gives the next entries) and report the first
    entry that does not chain to the one before it or whose content does not match its hash, or a
    head that names another end than the log's."""
    prev_hash, last_id, count = GENESIS, 0, 0
    while rows := await batch_after(last_id):
        for entry in rows:
            count += 1
            if entry.prev_hash != prev_hash:
                return ChainReport(
                    count, head_hash, entry.id, "does not chain to the entry before it (one was removed?)"
                )
            if chain_hash(prev_hash, content(entry)) != entry.hash:
                return ChainReport(count, head_hash, entry.id, "its content does not match its hash")
            prev_hash, last_id = entry.hash, entry.id
    if (head_last_id, head_hash) != (last_id, prev_hash):
        return ChainReport(
            count,
            head_hash,
            None,
            f"the head names entry {head_last_id} but the log ends at {last_id} (entries cut off?)",
        )
    return ChainReport(count, head_hash)
