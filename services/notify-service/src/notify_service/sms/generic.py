"""A generic JSON-over-HTTP SMS provider.

Submission::

    POST {base_url}/messages
    Authorization: Bearer {api_key}
    {"to": "+84912345678", "text": "…", "reference": "<our id>"}
    → 2xx {"id": "<provider id>", "status": "accepted"}

The HTTP status decides the verdict (``verdict_for_status``). Receipts are posted to us as
``{"id", "reference", "status": "delivered" | "failed" | "expired", "detail"?}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from .base import (
    JSON_HEADERS,
    MalformedReceiptPayload,
    ProviderResult,
    Receipt,
    SmsProvider,
    Verdict,
    json_body,
    require_str,
    verdict_for_status,
)

RECEIPT_STATUSES = {"delivered": True, "failed": False, "expired": False, "rejected": False}


class GenericHttpProvider(SmsProvider):
    kind = "generic"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr,
        name: str,
        http: httpx.AsyncClient,
        timeout_seconds: float = 5.0,
        receipt_secret: SecretStr | None = None,
        strip_diacritics: bool = False,
    ) -> None:
        super().__init__(
            name=name,
            http=http,
            timeout_seconds=timeout_seconds,
            receipt_secret=receipt_secret,
            strip_diacritics=strip_diacritics,
        )
        self.url = base_url.rstrip("/") + "/messages"
        self.api_key = api_key

    async def _submit(self, *, to: str, text: str, reference: str) -> ProviderResult:
        response = await self.http.post(
            self.url,
            content=json_body({"to": to, "text": text, "reference": reference}),
            headers={**JSON_HEADERS, "Authorization": f"Bearer {self.api_key.get_secret_value()}"},
            timeout=self.timeout,
        )
        verdict = verdict_for_status(response.status_code)
        if verdict is not Verdict.ACCEPTED:
            return ProviderResult(verdict, error=f"HTTP {response.status_code}: {_reason(response)}")
        try:
            body = response.json()
            message_id = str(body["id"])
        except (ValueError, KeyError, TypeError):
            # Taken (2xx) but unreadable: retrying elsewhere would risk a second SMS to the person.
            return ProviderResult(Verdict.ACCEPTED, error="accepted, but the response had no message id")
        return ProviderResult(Verdict.ACCEPTED, provider_message_id=message_id)

    def parse_receipt(self, payload: Mapping[str, Any]) -> Receipt:
        status = require_str(payload, "status").lower()
        if status not in RECEIPT_STATUSES:
            raise MalformedReceiptPayload(f"unknown receipt status '{status}'")
        detail = payload.get("detail")
        return Receipt(
            reference=require_str(payload, "reference"),
            delivered=RECEIPT_STATUSES[status],
            detail=detail if isinstance(detail, str) and detail else status,
            provider_message_id=require_str(payload, "id"),
        )


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no reason given"
    if isinstance(body, dict):
        for key in ("detail", "error", "message", "title"):
            if isinstance(body.get(key), str):
                return str(body[key])[:200]
    return response.reason_phrase or "no reason given"
