"""The CloudEvents 1.0 envelope, in Kafka's binary mode: ``ce_*`` headers, the JSON data as value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from kit_contracts import Event
from kit_core import current_request_id_var, current_traceparent, new_id

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"


class MalformedEnvelope(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Envelope:
    id: UUID
    source: str
    type: str
    subject: str
    time: datetime
    traceparent: str
    topic: str
    data: dict[str, Any]
    partition: int | None = None
    offset: int | None = None
    request_id: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.subject

    @classmethod
    def wrap(cls, event: Event, *, source: str, at: datetime | None = None) -> Envelope:
        return cls(
            id=new_id(),
            source=source,
            type=event.event_type,
            subject=event.subject(),
            time=at or datetime.now(UTC),
            traceparent=current_traceparent(),
            request_id=current_request_id_var.get(),
            topic=event.topic,
            data=event.model_dump(mode="json"),
        )

    def headers(self) -> dict[str, str]:
        optional = {"ce_requestid": self.request_id} if self.request_id else {}
        return {
            "ce_specversion": SPECVERSION,
            "ce_id": str(self.id),
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_subject": self.subject,
            "ce_time": self.time.isoformat().replace("+00:00", "Z"),
            "ce_traceparent": self.traceparent,
            "content-type": CONTENT_TYPE,
            **optional,
            **self.extra_headers,
        }

    def value(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()

    def at(self, *, topic: str, partition: int | None, offset: int | None) -> Envelope:
        return replace(self, topic=topic, partition=partition, offset=offset)

    @classmethod
    def parse(
        cls,
        *,
        topic: str,
        headers: dict[str, str],
        value: bytes,
        partition: int | None = None,
        offset: int | None = None,
    ) -> Envelope:
        try:
            known = {
                "ce_specversion",
                "ce_id",
                "ce_source",
                "ce_type",
                "ce_subject",
                "ce_time",
                "ce_traceparent",
                "ce_requestid",
                "content-type",
            }
            if headers.get("ce_specversion") != SPECVERSION:
                raise MalformedEnvelope(
                    f"unsupported CloudEvents specversion {headers.get('ce_specversion')!r}"
                )
            data = json.loads(value)
            if not isinstance(data, dict):
                raise MalformedEnvelope("event data is not a JSON object")
            return cls(
                id=UUID(headers["ce_id"]),
                source=headers["ce_source"],
                type=headers["ce_type"],
                subject=headers.get("ce_subject", ""),
                time=datetime.fromisoformat(headers["ce_time"].replace("Z", "+00:00")),
                traceparent=headers.get("ce_traceparent", ""),
                topic=topic,
                data=data,
                partition=partition,
                offset=offset,
                request_id=headers.get("ce_requestid"),
                extra_headers={k: v for k, v in headers.items() if k not in known},
            )
        except MalformedEnvelope:
            raise
        except (KeyError, ValueError, TypeError) as exc:
            raise MalformedEnvelope(f"not a CloudEvents message: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Record:
    """What a bus hands a consumer: one message as it came off a topic, not yet parsed."""

    topic: str
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str]
    value: bytes
