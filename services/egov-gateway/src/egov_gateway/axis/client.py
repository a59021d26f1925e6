"""An httpx client for the national axis operations (DOMAIN.md §4.3, the VPCP "VXP" SDK's set).

=====================  ===========================================  ==========================
VXP operation          HTTP                                         method here
=====================  ===========================================  ==========================
``sendEdoc``           ``POST /api/edocs`` (the .edxml as body)      :meth:`AxisClient.send`
``getReceivedEdocList`` ``GET /api/edocs/received?after=&limit=``    :meth:`AxisClient.received`
``getEdoc``            ``GET /api/edocs/{docId}``                    :meth:`AxisClient.get`
``getSentEdocList``    ``GET /api/edocs/sent``                       :meth:`AxisClient.sent`
``updateStatus``       ``PUT /api/edocs/{docId}/status``             :meth:`AxisClient.update_status`
``getAgenciesList``    ``GET /api/agencies``                         :meth:`AxisClient.agencies`
``registerAgency``     ``POST /api/agencies``                        :meth:`AxisClient.register_agency`
=====================  ===========================================  ==========================

Every call carries the system id (mã trung tâm liên thông) and its secret as ``X-Axis-System-Id`` /
``X-Axis-Secret``. A send carries the caller's own ``X-Axis-Message-Id``: the axis stores a message id
once, so a send retried after a lost answer cannot deliver twice.

Network errors, 5xx and 429 are retried with exponential backoff and full jitter (``Retry-After`` is
honoured when it asks for longer); 4xx are not retried (:class:`AxisRefused`). Downloads stream and
stop as soon as the configured size limit is passed (:class:`PackageTooLarge`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, Field

from kit_core import get_logger

from .exceptions import AxisRefused, AxisUnavailable, PackageTooLarge

log = get_logger(__name__)

T = TypeVar("T")
TransportStatus = Literal["processing", "done", "fail"]
RETRYABLE = frozenset({429, 500, 502, 503, 504})


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SendReceipt(_Wire):
    doc_id: str
    duplicate: bool = False


class ReceivedItem(_Wire):
    doc_id: str
    seq: int
    sender: str = Field(alias="from")
    service_type: str
    message_type: str
    size: int
    sha256: str
    created_at: datetime


class SentRecipient(_Wire):
    code: str
    status: str


class SentItem(_Wire):
    doc_id: str
    message_id: str
    sender: str = Field(alias="from")
    service_type: str
    recipients: list[SentRecipient]
    created_at: datetime


class AxisAgency(_Wire):
    id: str
    code: str
    code102: str
    pcode: str | None = None
    name: str
    mail: str | None = None
    mobile: str | None = None
    fax: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4  # beyond the first try
    base_seconds: float = 0.5
    max_seconds: float = 10.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        return rng.uniform(0, min(self.max_seconds, self.base_seconds * 2**attempt))


Sleep = Callable[[float], Awaitable[None]]


class AxisClient:
    def __init__(
        self,
        *,
        base_url: str,
        system_id: str,
        secret: str,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        max_package_bytes: int = 50 * 1024 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.system_id = system_id
        self.retry = retry or RetryPolicy()
        self.max_package_bytes = max_package_bytes
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"X-Axis-System-Id": system_id, "X-Axis-Secret": secret},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AxisClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- operations -----------------------------------------------------------------------------

    async def send(
        self,
        package: bytes,
        *,
        message_id: UUID,
        sender: str,
        service_type: Literal["eDoc", "status"] = "eDoc",
    ) -> SendReceipt:
        """``sendEdoc``: hand a package to the axis; the same ``message_id`` is stored once."""
        response = await self._request(
            "POST",
            "/api/edocs",
            content=package,
            headers={
                "Content-Type": "application/xml",
                "X-Axis-Message-Id": str(message_id),
                "X-Axis-From": sender,
                "X-Axis-Service-Type": service_type,
                "X-Axis-Message-Type": "edoc" if service_type == "eDoc" else "status",
            },
        )
        return SendReceipt.model_validate(response.json())

    async def received(self, *, after: int = 0, limit: int = 50) -> list[ReceivedItem]:
        """``getReceivedEdocList``: packages for this system not yet done or failed, after ``after``."""
        response = await self._request("GET", "/api/edocs/received", params={"after": after, "limit": limit})
        return [ReceivedItem.model_validate(item) for item in response.json()["items"]]

    async def get(self, doc_id: str) -> bytes:
        """``getEdoc``: the package's bytes, read up to ``max_package_bytes``."""
        return await self._retrying(lambda: self._download(doc_id), f"GET /api/edocs/{doc_id}")

    async def sent(self) -> list[SentItem]:
        """``getSentEdocList``: what this system sent, with each recipient's transport status."""
        response = await self._request("GET", "/api/edocs/sent")
        return [SentItem.model_validate(item) for item in response.json()["items"]]

    async def update_status(self, doc_id: str, status: TransportStatus) -> None:
        """``updateStatus``: the transport status (processing / done / fail), never a business status."""
        await self._request("PUT", f"/api/edocs/{doc_id}/status", json={"status": status})

    async def agencies(self) -> list[AxisAgency]:
        """``getAgenciesList``."""
        response = await self._request("GET", "/api/agencies")
        return [AxisAgency.model_validate(item) for item in response.json()["items"]]

    async def register_agency(
        self,
        *,
        id: str,
        pcode: str,
        code: str,
        name: str,
        mail: str | None = None,
        mobile: str | None = None,
        fax: str | None = None,
    ) -> AxisAgency:
        """``registerAgency``: a child agency under ``pcode`` (an agency of this system)."""
        body = {
            "id": id,
            "pcode": pcode,
            "code": code,
            "name": name,
            "mail": mail,
            "mobile": mobile,
            "fax": fax,
        }
        response = await self._request("POST", "/api/agencies", json=body)
        return AxisAgency.model_validate(response.json())

    async def publish_stats(self, payload: dict[str, Any], *, idempotency_key: str) -> None:
        """The Government portal's statistics endpoint (``POST /portal/stats``): one agency and month."""
        await self._request(
            "POST", "/portal/stats", json=payload, headers={"Idempotency-Key": idempotency_key}
        )

    # --- transport ------------------------------------------------------------------------------

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def once() -> httpx.Response:
            response = await self._http.request(method, url, **kwargs)
            self._raise_for(response, f"{method} {url}")
            return response

        return await self._retrying(once, f"{method} {url}")

    async def _download(self, doc_id: str) -> bytes:
        async with self._http.stream("GET", f"/api/edocs/{doc_id}") as response:
            if response.status_code >= 400:
                await response.aread()
                self._raise_for(response, f"GET /api/edocs/{doc_id}")
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_package_bytes:
                raise PackageTooLarge(
                    f"package {doc_id} is {declared} bytes; the limit is {self.max_package_bytes}",
                    limit=self.max_package_bytes,
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_package_bytes:
                    raise PackageTooLarge(
                        f"package {doc_id} is larger than the limit of {self.max_package_bytes} bytes",
                        limit=self.max_package_bytes,
                    )
                chunks.append(chunk)
            return b"".join(chunks)

    def _raise_for(self, response: httpx.Response, what: str) -> None:
        if response.status_code < 400:
            return
        detail = _detail(response)
        if response.status_code in RETRYABLE:
            raise _Retryable(response.status_code, detail, _retry_after(response))
        raise AxisRefused(
            f"{what}: the axis answered {response.status_code}: {detail}", http_status=response.status_code
        )

    async def _retrying(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        attempt = 0
        while True:
            try:
                return await call()
            except (httpx.TransportError, _Retryable) as exc:
                reason = str(exc) or type(exc).__name__
                if attempt >= self.retry.retries:
                    raise AxisUnavailable(
                        f"{what}: the axis is unavailable after {attempt + 1} tries: {reason}",
                        tries=attempt + 1,
                    ) from exc
                delay = self.retry.delay(attempt, self._rng)
                if isinstance(exc, _Retryable) and exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self.retry.max_seconds))
                log.warning(
                    "axis.retry", call=what, attempt=attempt + 1, reason=reason, delay=round(delay, 3)
                )
                await self._sleep(delay)
                attempt += 1


class _Retryable(Exception):
    def __init__(self, status: int, detail: str, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.retry_after = retry_after


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
