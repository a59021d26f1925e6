"""What every SMS provider adapter shares: the verdict on one submission, the delivery receipt,
transport errors turned into verdicts, timing, and the receipt credential check.

A verdict answers the only question the router asks: may another provider be tried?

- ``ACCEPTED``: the provider took the message; a delivery receipt follows later.
- ``TEMPORARY``: the provider did not take it for a reason of its own (network, timeout, 5xx, 429,
  our account there: credentials, balance, brand name) — the next provider may well succeed, and
  the failure counts against this provider's health.
- ``PERMANENT``: the message itself is refused (an invalid number, content the carriers reject); no
  provider will take it, so it is not retried elsewhere and does not count against the provider.
"""

from __future__ import annotations

import hmac
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from pydantic import SecretStr

from kit_core import get_logger

from .text import strip_diacritics

log = get_logger(__name__)


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class ProviderResult:
    verdict: Verdict
    provider_message_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt as the provider reported it, in the router's terms."""

    reference: str
    delivered: bool
    detail: str
    provider_message_id: str | None = None


class MalformedReceiptPayload(ValueError):
    pass


def verdict_for_status(status: int) -> Verdict:
    """HTTP status of a submission: 2xx accepted; 408, 429 and 5xx temporary; 401 and 403 are about
    our account at this provider, so temporary too (another provider may take the message); any
    other 4xx means the request itself was refused."""
    if 200 <= status < 300:
        return Verdict.ACCEPTED
    if status in (401, 403, 408, 425, 429) or status >= 500:
        return Verdict.TEMPORARY
    return Verdict.PERMANENT


def json_body(payload: Mapping[str, Any]) -> bytes:
    # Vietnamese text goes out as UTF-8, not as \u escapes some gateways store verbatim.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}


class SmsProvider(ABC):
    """One provider account: submits messages and reads the receipts it posts back.

    Subclasses implement ``_submit`` (one HTTP exchange, returning a verdict from the response) and
    ``parse_receipt``; network errors and timeouts are turned into ``TEMPORARY`` here.
    """

    kind: str = "abstract"

    def __init__(
        self,
        *,
        name: str,
        http: httpx.AsyncClient,
        timeout_seconds: float = 5.0,
        receipt_secret: SecretStr | None = None,
        strip_diacritics: bool = False,
    ) -> None:
        self.name = name
        self.http = http
        self.timeout = httpx.Timeout(timeout_seconds)
        self.receipt_secret = receipt_secret
        self.strip_diacritics = strip_diacritics

    async def submit(self, *, to: str, text: str, reference: str) -> ProviderResult:
        """Hand one message to the provider. ``to`` is E.164 (``+84…``)."""
        if self.strip_diacritics:
            text = strip_diacritics(text)
        try:
            result = await self._submit(to=to, text=text, reference=reference)
        except httpx.TimeoutException as exc:
            result = ProviderResult(Verdict.TEMPORARY, error=f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            result = ProviderResult(Verdict.TEMPORARY, error=f"network error: {type(exc).__name__}: {exc}")
        log.info(
            "sms.provider_submitted",
            provider=self.name,
            reference=reference,
            verdict=result.verdict.value,
            provider_message_id=result.provider_message_id,
            error=result.error,
        )
        return result

    @abstractmethod
    async def _submit(self, *, to: str, text: str, reference: str) -> ProviderResult: ...

    @abstractmethod
    def parse_receipt(self, payload: Mapping[str, Any]) -> Receipt:
        """Read a receipt this provider posted; raise ``MalformedReceiptPayload`` if it is not one."""

    def receipt_authorized(self, authorization: str | None) -> bool:
        """``Authorization: Bearer <receipt secret>``, compared in constant time."""
        if self.receipt_secret is None or not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(
            token.strip().encode("utf-8"), self.receipt_secret.get_secret_value().encode("utf-8")
        )


def require_str(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise MalformedReceiptPayload(f"'{key}' is missing or not a string")
    return value
