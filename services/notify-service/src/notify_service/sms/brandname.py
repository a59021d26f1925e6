"""An adapter shaped like the Vietnamese brand-name SMS gateways (Viettel, VNPT, MobiFone style):
the sender is a registered brand name, the account logs in with user name and password inside the
request, numbers travel as ``84xxxxxxxxx``, and the answer is HTTP 200 with a result code.

Submission::

    POST {base_url}/send
    {"username": "…", "password": "…", "brandname": "UBND-NINHBINH", "phone": "84912345678",
     "message": "…", "requestid": "<our reference>", "unicode": 1}
    → 200 {"code": "00", "message": "Success", "smsid": "<gateway id>"}

``unicode`` 1 sends the text with diacritics (UCS-2 on the air, shorter segments); 0 means the
gateway takes GSM characters only, so the adapter must strip diacritics (``strip_diacritics``).
Receipts are posted to us as ``{"smsid", "requestid", "phone", "status": 1 | 2 | 3, "errorcode"}``
where 1 is delivered, 2 failed and 3 expired in the carrier's store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

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
from .text import is_vietnamese_e164, national_84

# Provider-level codes (our account, the gateway itself) are TEMPORARY: another provider may send the
# message. Message-level codes are PERMANENT: no gateway will take that number or that text.
RESULT_CODES: Final[dict[str, tuple[Verdict, str]]] = {
    "00": (Verdict.ACCEPTED, "success"),
    "01": (Verdict.TEMPORARY, "authentication failed (user name or password)"),
    "02": (Verdict.TEMPORARY, "brand name not registered for this account"),
    "03": (Verdict.PERMANENT, "invalid phone number"),
    "04": (Verdict.PERMANENT, "message content invalid or too long"),
    "05": (Verdict.PERMANENT, "message content blocked by the carrier's filter"),
    "06": (Verdict.PERMANENT, "subscriber blocks brand-name messages"),
    "10": (Verdict.TEMPORARY, "insufficient account balance"),
    "11": (Verdict.TEMPORARY, "rate limit exceeded"),
    "98": (Verdict.TEMPORARY, "carrier gateway timeout"),
    "99": (Verdict.TEMPORARY, "gateway system error"),
}
RECEIPT_STATUSES: Final[dict[int, tuple[bool, str]]] = {
    1: (True, "delivered"),
    2: (False, "failed"),
    3: (False, "expired"),
}


def normalize_code(raw: object) -> str | None:
    """The result code as two digits: gateways send ``0``, ``"0"`` or ``"00"`` for success."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        raw = str(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return raw.strip().zfill(2)
    return None


class BrandnameProvider(SmsProvider):
    kind = "brandname"

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: SecretStr,
        brandname: str,
        unicode: bool = True,
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
        self.url = base_url.rstrip("/") + "/send"
        self.username = username
        self.password = password
        self.brandname = brandname
        self.unicode = unicode
        if not unicode:
            self.strip_diacritics = True

    async def _submit(self, *, to: str, text: str, reference: str) -> ProviderResult:
        if not is_vietnamese_e164(to):
            return ProviderResult(
                Verdict.PERMANENT, error="brand-name gateways reach Vietnamese numbers only"
            )
        response = await self.http.post(
            self.url,
            content=json_body(
                {
                    "username": self.username,
                    "password": self.password.get_secret_value(),
                    "brandname": self.brandname,
                    "phone": national_84(to),
                    "message": text,
                    "requestid": reference,
                    "unicode": 1 if self.unicode else 0,
                }
            ),
            headers=JSON_HEADERS,
            timeout=self.timeout,
        )
        verdict = verdict_for_status(response.status_code)
        if verdict is not Verdict.ACCEPTED:
            return ProviderResult(verdict, error=f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            return ProviderResult(Verdict.TEMPORARY, error="gateway answered 2xx without a JSON body")
        if not isinstance(body, dict):
            return ProviderResult(Verdict.TEMPORARY, error="gateway answered 2xx without a JSON object")
        code = normalize_code(body.get("code"))
        if code is None:
            return ProviderResult(Verdict.TEMPORARY, error=f"gateway sent no result code: {body!r:.200}")
        verdict, meaning = RESULT_CODES.get(code, (Verdict.TEMPORARY, "undocumented result code"))
        if verdict is Verdict.ACCEPTED:
            smsid = body.get("smsid")
            return ProviderResult(Verdict.ACCEPTED, provider_message_id=str(smsid) if smsid else None)
        return ProviderResult(verdict, error=f"code {code}: {meaning}")

    def parse_receipt(self, payload: Mapping[str, Any]) -> Receipt:
        raw_status = payload.get("status")
        status = int(raw_status) if isinstance(raw_status, str) and raw_status.isdigit() else raw_status
        if not isinstance(status, int) or isinstance(status, bool) or status not in RECEIPT_STATUSES:
            raise MalformedReceiptPayload(f"unknown receipt status {raw_status!r}")
        delivered, detail = RECEIPT_STATUSES[status]
        error_code = normalize_code(payload.get("errorcode"))
        if not delivered and error_code and error_code != "00":
            detail = f"{detail} (error code {error_code})"
        return Receipt(
            reference=require_str(payload, "requestid"),
            delivered=delivered,
            detail=detail,
            provider_message_id=require_str(payload, "smsid"),
        )
