"""E-mail over SMTP (aiosmtplib): one connection per message, STARTTLS or implicit TLS as configured."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal

import aiosmtplib

from kit_core import get_logger

from .base import Email, Outcome, build_message

log = get_logger(__name__)


class SmtpTransport:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        security: Literal["none", "starttls", "tls"] = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.security, self.username, self.password, self.timeout = security, username, password, timeout

    async def send(self, mail: Email, *, at: datetime) -> Outcome:
        message = build_message(mail, sender=self.sender, at=at)
        started = time.perf_counter()

        def outcome(accepted: bool, *, temporary: bool = False, error: str | None = None) -> Outcome:
            return Outcome(
                provider=self.name,
                accepted=accepted,
                temporary=temporary,
                provider_message_id=str(message["Message-ID"]) if accepted else None,
                error=error,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )

        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            return outcome(
                False, temporary=all(400 <= c < 500 for c in codes), error=f"recipient refused: {exc}"
            )
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx: try again later (greylisting, mailbox busy); 5xx: the server will never take it.
            return outcome(False, temporary=exc.code < 500, error=f"SMTP {exc.code}: {exc.message}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return outcome(False, temporary=True, error=f"{type(exc).__name__}: {exc}")
        return outcome(True)
