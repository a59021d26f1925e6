"""Where file contents live: a content-addressed store, one object per SHA-256.

``BlobStore`` is the port; ``LocalBlobStore`` keeps objects in a folder (embedded mode, or a volume
in distributed mode) as ``<root>/<aa>/<bb>/<sha256>``. An S3-compatible store implements the same
four steps later. An upload is first *staged* (streamed to a temporary object while hashed and
counted), then either *kept* under its digest (a duplicate is not stored twice) or *discarded*
(refused: nothing remains).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import anyio

from kit_core import new_id

CHUNK = 1024 * 1024
HEAD = 8192


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass
class Staged:
    """An upload being written: its digest and size so far, and its first bytes (for sniffing)."""

    path: Path
    limit: int
    size: int = 0
    head: bytes = b""
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256)
    _file: anyio.AsyncFile[bytes] | None = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    async def write(self, data: bytes) -> None:
        if not data:
            return
        if self.size + len(data) > self.limit:
            raise TooLarge(self.limit)
        if self._file is None:
            self._file = await anyio.open_file(self.path, "xb")
        await self._file.write(data)
        self._hash.update(data)
        if len(self.head) < HEAD:
            self.head += data[: HEAD - len(self.head)]
        self.size += len(data)

    async def close(self) -> None:
        if self._file is not None:
            await self._file.aclose()
            self._file = None
        elif not self.path.exists():
            self.path.touch()  # an empty upload is still a (refused) file to sniff


class BlobStore(Protocol):
    async def stage(self, *, limit: int) -> Staged: ...

    async def keep(self, staged: Staged) -> bool:
        """Store the staged object under its digest; False if the same content was there already."""
        ...

    async def discard(self, staged: Staged) -> None: ...

    def path_of(self, sha256: str) -> Path:
        """A local path to read the object from (streaming a remote store's object comes with S3)."""
        ...

    async def digest(self, sha256: str) -> str | None:
        """Hash the stored object again: its actual SHA-256, or None if it is missing."""
        ...

    async def digests(self) -> list[str]:
        """The digests of every stored object (not the staged ones)."""
        ...


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def stage(self, *, limit: int) -> Staged:
        staging = self.root / "staging"
        await anyio.to_thread.run_sync(lambda: staging.mkdir(parents=True, exist_ok=True))
        return Staged(path=staging / new_id().hex, limit=limit)

    async def keep(self, staged: Staged) -> bool:
        await staged.close()
        final = self.path_of(staged.sha256)

        def move() -> bool:
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                staged.path.unlink(missing_ok=True)
                return False
            staged.path.chmod(0o444)
            os.replace(staged.path, final)  # atomic: readers see the whole object or none
            return True

        return await anyio.to_thread.run_sync(move)

    async def discard(self, staged: Staged) -> None:
        await staged.close()
        await anyio.to_thread.run_sync(lambda: staged.path.unlink(missing_ok=True))

    async def digest(self, sha256: str) -> str | None:
        path = self.path_of(sha256)

        def rehash() -> str | None:
            try:
                with path.open("rb") as f:
                    return hashlib.file_digest(f, "sha256").hexdigest()
            except FileNotFoundError:
                return None

        return await anyio.to_thread.run_sync(rehash)

    async def digests(self) -> list[str]:
        def walk() -> list[str]:
            if not self.root.is_dir():
                return []
            return sorted(
                p.name
                for p in self.root.glob("??/??/*")
                if p.is_file() and p.parent.parent.parent == self.root and p.name[:2] == p.parent.parent.name
            )

        return await anyio.to_thread.run_sync(walk)
