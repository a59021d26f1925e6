"""W3C trace context and the request id of the current request or event, both carried across the bus."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
current_traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
# The id of the HTTP request that started the work (X-Request-ID), kept by every event it causes.
current_request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_traceparent(trace_id: str | None = None) -> str:
    return f"00-{trace_id or secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def trace_id_of(traceparent: str | None) -> str | None:
    if not traceparent:
        return None
    match = _TRACEPARENT.match(traceparent.strip().lower())
    return match.group(1) if match else None


def child_of(traceparent: str | None) -> str:
    """A new span id in the same trace, or a new trace when the parent is missing or malformed."""
    return new_traceparent(trace_id_of(traceparent))


def current_traceparent() -> str:
    return current_traceparent_var.get() or new_traceparent()
