"""What every channel answers after one try, and the e-mail message all e-mail transports send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    provider: str
    accepted: bool
    temporary: bool = False  # a refusal worth retrying (timeouts, 4xx, connection errors)
    provider_message_id: str | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    awaiting_receipt: bool = False  # accepted, but only a delivery receipt says "delivered" (SMS)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    plain: str
    html: str | None
    reference: str  # the delivery id


def build_message(mail: Email, *, sender: str, at: datetime) -> EmailMessage:
    """A multipart/alternative message; non-ASCII headers are encoded per RFC 2047 when serialised."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(idstring=mail.reference.replace("-", ""), domain="notify.local")
    msg["X-Notify-Reference"] = mail.reference
    msg.set_content(mail.plain, charset="utf-8")
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    return msg


class MailTransport(Protocol):
    name: str

    async def send(self, mail: Email, *, at: datetime) -> Outcome: ...
