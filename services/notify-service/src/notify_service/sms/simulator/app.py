"""The SMS provider simulator: a protocol peer for both adapters, with its own in-memory store.

- ``POST /generic/messages``: the generic JSON protocol (bearer API key).
- ``POST /brandname/send``: the brand-name gateway protocol (credentials in the body, result codes).
- ``GET /messages``: what it "sent", newest last (``?reference=`` filters); ``DELETE /messages``.
- ``GET|PUT /admin/behaviour``: latency, random error rate, a forced mode (``ok``, ``fail``,
  ``rate_limited``, ``reject``, ``down``), receipt delay and receipt status, switchable at runtime.

Accepted messages get a delivery receipt posted to the protocol's callback URL after the receipt
delay, with ``Authorization: Bearer <receipt token>``, retried a few times if the callback fails.
The same reference twice is one message (the second answer repeats the first id), as real gateways
deduplicate on the client's request id. If ``admin_token`` is set, ``/messages`` and ``/admin``
need it as a bearer token: the texts include one-time codes.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, SecretStr

from kit_core import DEV_SECRET, get_logger, new_id

log = get_logger(__name__)
Mode = Literal["ok", "fail", "rate_limited", "reject", "down"]
ReceiptStatus = Literal["delivered", "failed", "expired"]
_E164 = re.compile(r"\+[1-9]\d{7,14}")
_VN_84 = re.compile(r"84[1-9]\d{8,9}")
# GSM 03.38 basic set (without the escape table): what an unsigned ("không dấu") SMS may contain.
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_BRANDNAME_RECEIPT = {"delivered": 1, "failed": 2, "expired": 3}


class Behaviour(BaseModel):
    mode: Mode = "ok"
    latency_ms: float = Field(default=0.0, ge=0, le=120_000)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    receipt_delay_ms: float = Field(default=200.0, ge=0, le=3_600_000)
    receipt_status: ReceiptStatus = "delivered"


class BehaviourUpdate(BaseModel):
    mode: Mode | None = None
    latency_ms: float | None = Field(default=None, ge=0, le=120_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    receipt_delay_ms: float | None = Field(default=None, ge=0, le=3_600_000)
    receipt_status: ReceiptStatus | None = None


class SimulatorConfig(BaseModel):
    api_key: SecretStr = DEV_SECRET
    username: str = "egov"
    password: SecretStr = DEV_SECRET
    brandnames: list[str] = Field(default_factory=lambda: ["UBND-TINH"])
    generic_callback_url: str | None = None
    brandname_callback_url: str | None = None
    receipt_token: SecretStr = DEV_SECRET
    brandname_receipt_token: SecretStr | None = None  # when the two accounts have different secrets
    receipt_attempts: int = Field(default=5, ge=1)
    admin_token: SecretStr | None = None
    behaviour: Behaviour = Field(default_factory=Behaviour)
    seed: int | None = None
    max_unicode_chars: int = 335  # 5 concatenated UCS-2 segments of 67
    max_gsm_chars: int = 765  # 5 concatenated GSM segments of 153
    max_messages: int = Field(default=10_000, ge=1)  # the oldest are forgotten beyond this


class SimMessage(BaseModel):
    id: str
    protocol: Literal["generic", "brandname"]
    to: str
    text: str
    reference: str
    sender: str | None
    accepted_at: datetime
    receipt: Literal["pending", "posted", "undeliverable", "none"]
    receipt_status: ReceiptStatus | None = None


class Counters(BaseModel):
    requests: int = 0
    accepted: int = 0
    refused: int = 0


class BehaviourRead(Behaviour):
    counters: Counters


class _AdminRefusedError(Exception):
    pass


@dataclass
class _Refusal:
    generic_status: int
    generic_detail: str
    brandname_code: str


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.behaviour = config.behaviour.model_copy()
        self.messages: list[SimMessage] = []
        self.counters = Counters()
        self._by_reference: dict[tuple[str, str], SimMessage] = {}
        self._random = random.Random(config.seed)  # noqa: S311 - simulated faults, not security
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_smsid = 100_000
        self.http: httpx.AsyncClient | None = None

    async def before_answer(self) -> _Refusal | None:
        """Latency, then the forced mode or a random fault."""
        self.counters.requests += 1
        if self.behaviour.latency_ms:
            await asyncio.sleep(self.behaviour.latency_ms / 1000)
        mode = self.behaviour.mode
        if mode == "ok" and self.behaviour.error_rate and self._random.random() < self.behaviour.error_rate:
            mode = "fail"
        refusal = {
            "ok": None,
            "fail": _Refusal(503, "simulated gateway failure", "99"),
            "down": _Refusal(503, "simulated outage", "99"),
            "rate_limited": _Refusal(429, "simulated rate limit", "11"),
            "reject": _Refusal(400, "simulated content rejection", "05"),
        }[mode]
        if refusal:
            self.counters.refused += 1
        return refusal

    def accept(
        self,
        *,
        protocol: Literal["generic", "brandname"],
        to: str,
        text: str,
        reference: str,
        sender: str | None,
    ) -> SimMessage:
        known = self._by_reference.get((protocol, reference))
        if known is not None:
            return known
        self.counters.accepted += 1
        if protocol == "generic":
            message_id = str(new_id())
        else:
            self._next_smsid += 1
            message_id = str(self._next_smsid)
        callback = (
            self.config.generic_callback_url if protocol == "generic" else self.config.brandname_callback_url
        )
        message = SimMessage(
            id=message_id,
            protocol=protocol,
            to=to,
            text=text,
            reference=reference,
            sender=sender,
            accepted_at=datetime.now(UTC),
            receipt="pending" if callback else "none",
        )
        self.messages.append(message)
        self._by_reference[(protocol, reference)] = message
        while len(self.messages) > self.config.max_messages:
            oldest = self.messages.pop(0)
            self._by_reference.pop((oldest.protocol, oldest.reference), None)
        if callback:
            task = asyncio.get_running_loop().create_task(self._post_receipt(message, callback))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        log.info("sms_simulator.accepted", protocol=protocol, message_id=message_id, reference=reference)
        return message

    def reset(self) -> None:
        self.messages.clear()
        self._by_reference.clear()
        self.counters = Counters()

    async def _post_receipt(self, message: SimMessage, url: str) -> None:
        await asyncio.sleep(self.behaviour.receipt_delay_ms / 1000)
        status = self.behaviour.receipt_status
        message.receipt_status = status
        payload: dict[str, Any]
        if message.protocol == "generic":
            payload = {"id": message.id, "reference": message.reference, "status": status}
            if status != "delivered":
                payload["detail"] = f"simulated: {status}"
        else:
            payload = {
                "smsid": message.id,
                "requestid": message.reference,
                "phone": message.to,
                "status": _BRANDNAME_RECEIPT[status],
                "errorcode": "00" if status == "delivered" else "06",
                "donetime": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {self._receipt_token(message.protocol).get_secret_value()}",
        }
        if self.http is None:  # mounted inside another app, whose host did not run our lifespan
            self.http = httpx.AsyncClient(follow_redirects=False)
        for attempt in range(self.config.receipt_attempts):
            try:
                response = await self.http.post(url, content=body, headers=headers, timeout=5.0)
                if response.is_success:
                    message.receipt = "posted"
                    return
                log.warning(
                    "sms_simulator.receipt_refused", status=response.status_code, reference=message.reference
                )
            except httpx.HTTPError as exc:
                log.warning(
                    "sms_simulator.receipt_failed", error=type(exc).__name__, reference=message.reference
                )
            await asyncio.sleep(0.1 * 2**attempt)
        message.receipt = "undeliverable"

    def _receipt_token(self, protocol: str) -> SecretStr:
        if protocol == "brandname" and self.config.brandname_receipt_token is not None:
            return self.config.brandname_receipt_token
        return self.config.receipt_token

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()
            self.http = None


def _bearer_matches(authorization: str | None, secret: SecretStr) -> bool:
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), secret.get_secret_value().encode()
    )


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def create_simulator(config: SimulatorConfig | None = None) -> FastAPI:
    sim = Simulator(config or SimulatorConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sim.http = httpx.AsyncClient(follow_redirects=False)
        try:
            yield
        finally:
            await sim.close()

    app = FastAPI(title="SMS provider simulator", lifespan=lifespan)
    app.state.simulator = sim

    async def operator(authorization: Annotated[str | None, Header()] = None) -> None:
        token = sim.config.admin_token
        if token is not None and not _bearer_matches(authorization, token):
            raise _AdminRefusedError

    Operator = Depends(operator)

    @app.exception_handler(_AdminRefusedError)
    async def _refused(request: Request, exc: _AdminRefusedError) -> JSONResponse:
        return _problem(401, "Not authenticated", "admin token required", {"WWW-Authenticate": "Bearer"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/generic/messages", status_code=202)
    async def generic_send(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        if not _bearer_matches(authorization, sim.config.api_key):
            return _problem(401, "Not authenticated", "wrong API key", {"WWW-Authenticate": "Bearer"})
        body = await _json_object(request)
        if body is None:
            return _problem(400, "Bad request", "the body is not a JSON object")
        to, text, reference = body.get("to"), body.get("text"), body.get("reference")
        if not isinstance(to, str) or not _E164.fullmatch(to):
            return _problem(400, "Invalid number", "'to' must be an E.164 number")
        if not isinstance(text, str) or not text.strip():
            return _problem(400, "Empty message", "'text' must not be empty")
        if not isinstance(reference, str) or not 0 < len(reference) <= 100:
            return _problem(400, "Invalid reference", "'reference' must be 1 to 100 characters")
        refusal = await sim.before_answer()
        if refusal:
            headers = {"Retry-After": "1"} if refusal.generic_status == 429 else None
            return _problem(refusal.generic_status, "Refused", refusal.generic_detail, headers)
        message = sim.accept(protocol="generic", to=to, text=text, reference=reference, sender=None)
        return JSONResponse({"id": message.id, "status": "accepted"}, status_code=202)

    @app.post("/brandname/send")
    async def brandname_send(request: Request) -> Response:
        body = await _json_object(request)
        if body is None:
            return _problem(400, "Bad request", "the body is not a JSON object")
        if sim.behaviour.mode == "down":
            await sim.before_answer()
            return _problem(503, "Service unavailable", "simulated outage")

        def result(code: str, message: str, smsid: str | None = None) -> JSONResponse:
            return JSONResponse({"code": code, "message": message, "smsid": smsid})

        password = body.get("password")
        if not (
            hmac.compare_digest(str(body.get("username", "")).encode(), sim.config.username.encode())
            and isinstance(password, str)
            and hmac.compare_digest(password.encode(), sim.config.password.get_secret_value().encode())
        ):
            return result("01", "Authentication failed")
        if body.get("brandname") not in sim.config.brandnames:
            return result("02", "Brandname not registered")
        phone, text, reference = body.get("phone"), body.get("message"), body.get("requestid")
        if not isinstance(phone, str) or not _VN_84.fullmatch(phone):
            return result("03", "Invalid phone number")
        unicode = body.get("unicode") in (1, "1", True)
        limit = sim.config.max_unicode_chars if unicode else sim.config.max_gsm_chars
        if (
            not isinstance(text, str)
            or not text.strip()
            or len(text) > limit
            or (not unicode and not set(text) <= _GSM)
        ):
            return result("04", "Invalid message content")
        if not isinstance(reference, str) or not 0 < len(reference) <= 100:
            return result("04", "Invalid requestid")
        refusal = await sim.before_answer()
        if refusal:
            return result(refusal.brandname_code, refusal.generic_detail)
        message = sim.accept(
            protocol="brandname",
            to="+" + phone,
            text=text,
            reference=reference,
            sender=str(body["brandname"]),
        )
        return result("00", "Success", message.id)

    @app.get("/messages", response_model=list[SimMessage], dependencies=[Operator])
    async def list_messages(reference: Annotated[str | None, Query()] = None) -> list[SimMessage]:
        return [m for m in sim.messages if reference is None or m.reference == reference]

    @app.delete("/messages", status_code=204, dependencies=[Operator])
    async def clear_messages() -> None:
        sim.reset()

    @app.get("/admin/behaviour", response_model=BehaviourRead, dependencies=[Operator])
    async def read_behaviour() -> BehaviourRead:
        return BehaviourRead(**sim.behaviour.model_dump(), counters=sim.counters)

    @app.put("/admin/behaviour", response_model=BehaviourRead, dependencies=[Operator])
    async def change_behaviour(update: BehaviourUpdate) -> BehaviourRead:
        sim.behaviour = sim.behaviour.model_copy(update=update.model_dump(exclude_none=True))
        log.info("sms_simulator.behaviour", **sim.behaviour.model_dump())
        return BehaviourRead(**sim.behaviour.model_dump(), counters=sim.counters)

    return app
