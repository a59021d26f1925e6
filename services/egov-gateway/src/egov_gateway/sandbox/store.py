"""The sandbox's own storage: in memory, since it is a test double of another party's system."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

TransportStatus = Literal["processing", "done", "fail"]


@dataclass
class Agency:
    id: str
    code: str  # QCVN 102
    code20: str
    name: str
    pcode: str | None
    system_id: str | None  # None: a central agency the sandbox plays
    mail: str | None = None
    mobile: str | None = None
    fax: str | None = None

    def wire(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "code": self.code20,
            "code102": self.code,
            "pcode": self.pcode,
            "name": self.name,
            "mail": self.mail,
            "mobile": self.mobile,
            "fax": self.fax,
        }


@dataclass
class Message:
    doc_id: str
    message_id: str
    sender_system: str | None
    sender: str
    service_type: str
    message_type: str
    body: bytes
    created_at: datetime
    recipients: dict[str, TransportStatus] = field(default_factory=dict)  # agency code → status
    status_code: str | None = None  # a status package: its business status and the DocumentId it answers
    response_for: str | None = None
    # What the axis found when it checked the package's XML signature (valid, invalid, missing), for
    # packages systems sent; None for what the sandbox itself made or was told to inject.
    signature: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class Delivery:
    """A message in one system's inbox."""

    seq: int
    doc_id: str
    system_id: str
    codes: tuple[str, ...]
    status: TransportStatus = "processing"


@dataclass
class Store:
    agencies: dict[str, Agency] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    by_message_id: dict[tuple[str, str], str] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)  # (doc_id, system_id)
    seq: int = 0
    # The Government portal's statistics: the latest push per (system, agency code, month), and every push.
    portal_stats: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    portal_pushes: list[dict[str, Any]] = field(default_factory=list)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq
