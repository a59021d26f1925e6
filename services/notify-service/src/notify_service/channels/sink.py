"""E-mail into a folder, one .eml file per message: embedded mode's local sink an operator can read."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from pathlib import Path

from .base import Email, Outcome, build_message


class FileTransport:
    name = "file"

    def __init__(self, *, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    async def send(self, mail: Email, *, at: datetime) -> Outcome:
        started = time.perf_counter()
        message = build_message(mail, sender=self.sender, at=at)
        name = f"{at.strftime('%Y%m%dT%H%M%S')}-{mail.reference}.eml"
        try:
            await asyncio.to_thread(self._write, name, message.as_bytes())
        except OSError as exc:
            return Outcome(
                provider=self.name,
                accepted=False,
                temporary=True,
                error=f"cannot write {self.folder / name}: {exc}",
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        return Outcome(
            provider=self.name,
            accepted=True,
            provider_message_id=name,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _write(self, name: str, content: bytes) -> None:
        # Written aside then renamed, so a reader never sees half a message.
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.folder / name)
