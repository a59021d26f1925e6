"""The axis sandbox: an honest peer implementing the national axis protocol (DOMAIN.md §4.3).

A separate party with its own (in-memory) storage. Connected systems authenticate with
``X-Axis-System-Id`` + ``X-Axis-Secret``. It plays the central agencies itself (Văn phòng Chính phủ
and several ministries): every document package they receive is acknowledged with status packages
01, then 03, 05, 06 (a recall with 15) after ``SandboxConfig.ack_delays``, signed with the sandbox's
own generated key. ``/admin/*`` (``X-Axis-Admin-Token``) lets a test make a central agency send a
document or a recall to a connected system's agency, or inject raw bytes as a misbehaving peer would.
"""

import asyncio
import base64
import contextlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from egov_gateway.exchange import (
    Attachment,
    Bussiness,
    BussinessDocType,
    Code,
    DocumentPackage,
    DocumentType,
    MalformedPackage,
    MessageHeader,
    Organization,
    ParseLimits,
    PromulgationInfo,
    ResponseFor,
    SigningKey,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    build_document,
    build_status,
    canonical_organ_id,
    make_document_id,
    parse_package,
    sign_package,
    verify_package,
)
from egov_gateway.signing import generated_key
from kit_core import get_logger, new_id

from .config import CENTRAL_AGENCIES, SandboxConfig
from .store import Agency, Delivery, Message, Store, TransportStatus

log = get_logger(__name__)
_SECRETS_HEADER = "X-Axis-Secret"


class SandboxError(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def _level1(code: str) -> str:
    return code.rsplit(".", 1)[-1]


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store()
        self.lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()
        self.key: SigningKey | None = None
        for code, code20, name in CENTRAL_AGENCIES:
            self.store.agencies[code] = Agency(
                id=code, code=code, code20=code20, name=name, pcode=None, system_id=None
            )
        for system_id, spec in config.systems.items():
            for code, name in spec.agencies:
                self.store.agencies[code] = Agency(
                    id=code, code=code, code20=_level1(code), name=name, pcode=None, system_id=system_id
                )

    # --- directory ------------------------------------------------------------------------------

    def system_of(self, code: str) -> str | None:
        """The connected system serving ``code``; None for a central agency; SandboxError if unknown."""
        agency = self.store.agencies.get(code)
        if agency is not None:
            return agency.system_id
        for system_id, spec in self.config.systems.items():
            if any(_level1(root) == _level1(code) for root, _ in spec.agencies):
                return system_id
        raise SandboxError(422, "Unknown recipient", f"no agency {code} is connected to the axis")

    def serves(self, system_id: str, code: str) -> bool:
        try:
            return self.system_of(code) == system_id
        except SandboxError:
            return False

    def signing_key(self) -> SigningKey:
        if self.key is None:
            self.key = generated_key("Trục liên thông văn bản quốc gia (sandbox)", organization="Sandbox")
        return self.key

    # --- messages -------------------------------------------------------------------------------

    def deliver(self, message: Message, codes: list[str]) -> None:
        """Put a stored message in the inboxes of the systems serving ``codes`` (central ones answer)."""
        per_system: dict[str, list[str]] = {}
        central: list[str] = []
        for code in codes:
            system_id = self.system_of(code)
            message.recipients[code] = "processing"
            if system_id is None:
                central.append(code)
            else:
                per_system.setdefault(system_id, []).append(code)
        for system_id, served in per_system.items():
            self.store.deliveries[(message.doc_id, system_id)] = Delivery(
                seq=self.store.next_seq(), doc_id=message.doc_id, system_id=system_id, codes=tuple(served)
            )
        for code in central:
            message.recipients[code] = "done"  # the central agency's software picked it up at once
            if self.config.acknowledge and message.message_type == "edoc":
                self._spawn(self._acknowledge(message, code))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _acknowledge(self, message: Message, code: str) -> None:
        try:
            package = parse_package(message.body, limits=ParseLimits(max_bytes=self.config.max_package_bytes))
        except MalformedPackage:
            return
        if not isinstance(package, DocumentPackage) or message.sender_system is None:
            return
        kind = package.bussiness.bussiness_doc_type
        codes = {BussinessDocType.NEW: ("01", "03", "05", "06"), BussinessDocType.REVOKE: ("15",)}.get(
            kind, ("01",)
        )
        header = package.message_header
        response_for = ResponseFor(
            organ_id=header.sender.organ_id,
            code=f"{header.code.code_number}/{header.code.code_notation}"
            if header.code.code_notation
            else header.code.code_number,
            promulgation_date=header.promulgation_info.promulgation_date,
            document_id=header.document_id,
        )
        agency = self.store.agencies[code]
        for status_code, delay in zip(codes, self.config.ack_delays, strict=False):
            await asyncio.sleep(delay)
            status = StatusPackage(
                response_for=response_for,
                sender=Organization(organ_id=code, organ_name=agency.name),
                status_code=status_code,
                description=_DESCRIPTIONS.get(status_code),
                timestamp=datetime.now(UTC),
                staff_info=StaffInfo(department="Văn thư", staff=f"Văn thư {agency.name}"),
            )
            body = sign_package(build_status(status), self.signing_key())
            async with self.lock:
                reply = Message(
                    doc_id=str(new_id()),
                    message_id=str(new_id()),
                    sender_system=None,
                    sender=code,
                    service_type="status",
                    message_type="status",
                    body=body,
                    created_at=datetime.now(UTC),
                    status_code=status_code,
                    response_for=header.document_id,
                )
                self.store.messages[reply.doc_id] = reply
                seq = self.store.next_seq()
                self.store.deliveries[(reply.doc_id, message.sender_system)] = Delivery(
                    seq=seq,
                    doc_id=reply.doc_id,
                    system_id=message.sender_system,
                    codes=(header.sender.organ_id,),
                )
                reply.recipients[header.sender.organ_id] = "processing"
            log.info("sandbox.status_sent", central=code, status=status_code, document_id=header.document_id)

    def receive(
        self, system_id: str, message_id: str, body: bytes, service_type: str, message_type: str
    ) -> tuple[Message, bool]:
        """Store a package sent by ``system_id`` and deliver it; the same message id is stored once."""
        known = self.store.by_message_id.get((system_id, message_id))
        if known is not None:
            existing = self.store.messages[known]
            if existing.body != body:
                raise SandboxError(
                    409, "Message id reused", f"message id {message_id} was already used for another package"
                )
            return existing, True
        try:
            package = parse_package(body, limits=ParseLimits(max_bytes=self.config.max_package_bytes))
        except MalformedPackage as exc:
            raise SandboxError(422, "Malformed edXML package", str(exc)) from exc
        # Checked and recorded, never refused: the axis carries a badly signed package to its recipient.
        verification = verify_package(body, limits=ParseLimits(max_bytes=self.config.max_package_bytes))
        if isinstance(package, DocumentPackage):
            sender = canonical_organ_id(package.message_header.sender.organ_id)
            codes = [canonical_organ_id(r.organ_id) for r in package.message_header.recipients]
            kind = "edoc"
        else:
            sender = canonical_organ_id(package.sender.organ_id)
            codes = [canonical_organ_id(package.response_for.organ_id)]
            kind = "status"
        if kind != message_type:
            raise SandboxError(
                422,
                "Wrong message type",
                f"the header says {message_type} but the package is a {kind} package",
            )
        if not self.serves(system_id, sender):
            raise SandboxError(
                403, "Not your agency", f"system {system_id} does not serve the sender {sender}"
            )
        for code in codes:
            self.system_of(code)  # every recipient must be known before anything is stored
        message = Message(
            doc_id=str(new_id()),
            message_id=message_id,
            sender_system=system_id,
            sender=sender,
            service_type=service_type,
            message_type=message_type,
            body=body,
            created_at=datetime.now(UTC),
            status_code=package.status_code if isinstance(package, StatusPackage) else None,
            response_for=package.response_for.document_id if isinstance(package, StatusPackage) else None,
            signature=verification.status.value,
        )
        self.store.messages[message.doc_id] = message
        self.store.by_message_id[(system_id, message_id)] = message.doc_id
        self.deliver(message, codes)
        return message, False


_DESCRIPTIONS = {
    "01": "Đã đến",
    "03": "Đã tiếp nhận",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "15": "Đồng ý thu hồi",
}


class StatusUpdate(BaseModel):
    status: Literal["processing", "done", "fail"]


class AgencyRegistration(BaseModel):
    id: str = Field(min_length=1, max_length=50)
    pcode: str = Field(min_length=1, max_length=13)
    code: str = Field(min_length=1, max_length=13)
    name: str = Field(min_length=1, max_length=255)
    mail: str | None = None
    mobile: str | None = None
    fax: str | None = None


class AdminAttachment(BaseModel):
    name: str
    content_type: str = "application/pdf"
    content_b64: str


class CentralSend(BaseModel):
    """A document (business type 0) or a recall (1) from a central agency to connected agencies."""

    from_code: str = "000.00.00.G09"
    to: list[str] = Field(min_length=1)
    business_type: Literal["0", "1"] = "0"
    number: str = "15"
    notation: str = "BNV-VP"
    type_name: str = "Công văn"
    subject: str = "V/v triển khai kết nối liên thông văn bản điện tử"
    issued_on: date = Field(default_factory=lambda: datetime.now(UTC).date())
    document_id: str | None = Field(default=None, description="the DocumentId recalled (business type 1)")
    reason: str | None = None
    attachments: list[AdminAttachment] = Field(default_factory=list)
    signed: bool = True


class PortalStats(BaseModel):
    """What the portal takes per agency and month (extra fields are kept as sent)."""

    model_config = {"extra": "allow"}

    agency_code: str = Field(min_length=1, max_length=13)
    agency_name: str = Field(default="", max_length=255)
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    sent: int = Field(ge=0)
    received: int = Field(ge=0)
    sent_signed: int = Field(ge=0)
    received_signed: int = Field(ge=0)
    completed_on_time: int = Field(ge=0)
    completed_late: int = Field(ge=0)
    still_open: int = Field(ge=0)


def create_sandbox_app(config: SandboxConfig | None = None) -> FastAPI:
    sandbox = Sandbox(config or SandboxConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for task in list(sandbox.tasks):
                task.cancel()
            await asyncio.gather(*sandbox.tasks, return_exceptions=True)

    app = FastAPI(
        title="National document axis sandbox",
        description=(
            "A test double of the national document axis (Trục liên thông văn bản quốc gia), "
            "VXP operations over HTTP."
        ),
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox

    @app.exception_handler(SandboxError)
    async def _error(request: Request, exc: SandboxError) -> JSONResponse:
        return JSONResponse(
            {"title": exc.title, "detail": exc.detail, "status": exc.status},
            status_code=exc.status,
            media_type="application/problem+json",
        )

    async def system(
        system_id: Annotated[str | None, Header(alias="X-Axis-System-Id")] = None,
        secret: Annotated[str | None, Header(alias=_SECRETS_HEADER)] = None,
    ) -> str:
        spec = sandbox.config.systems.get(system_id or "")
        if spec is None or secret is None or not hmac.compare_digest(spec.secret.encode(), secret.encode()):
            raise SandboxError(
                401, "Unknown system", "X-Axis-System-Id and X-Axis-Secret do not match a system"
            )
        return system_id or ""

    async def admin(token: Annotated[str | None, Header(alias="X-Axis-Admin-Token")] = None) -> None:
        if token is None or not hmac.compare_digest(token.encode(), sandbox.config.admin_token.encode()):
            raise SandboxError(401, "Not the sandbox admin", "X-Axis-Admin-Token is missing or wrong")

    System = Annotated[str, Depends(system)]

    async def read_body(request: Request) -> bytes:
        limit = sandbox.config.max_package_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise SandboxError(413, "Package too large", f"the limit is {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise SandboxError(413, "Package too large", f"the limit is {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    @app.post("/api/edocs", status_code=201)
    async def send_edoc(
        request: Request,
        system_id: System,
        message_id: Annotated[str, Header(alias="X-Axis-Message-Id", min_length=1, max_length=100)],
        service_type: Annotated[Literal["eDoc", "status"], Header(alias="X-Axis-Service-Type")] = "eDoc",
        message_type: Annotated[Literal["edoc", "status"], Header(alias="X-Axis-Message-Type")] = "edoc",
    ) -> dict[str, Any]:
        body = await read_body(request)
        async with sandbox.lock:
            message, duplicate = sandbox.receive(system_id, message_id, body, service_type, message_type)
        return {"doc_id": message.doc_id, "duplicate": duplicate}

    @app.get("/api/edocs/received")
    async def received(
        system_id: System,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        async with sandbox.lock:
            waiting = sorted(
                (d for d in sandbox.store.deliveries.values() if d.system_id == system_id),
                key=lambda d: d.seq,
            )
            items = []
            for delivery in waiting:
                if delivery.seq <= after or delivery.status != "processing":
                    continue
                message = sandbox.store.messages[delivery.doc_id]
                items.append(
                    {
                        "doc_id": message.doc_id,
                        "seq": delivery.seq,
                        "from": message.sender,
                        "service_type": message.service_type,
                        "message_type": message.message_type,
                        "size": len(message.body),
                        "sha256": message.sha256,
                        "created_at": message.created_at.isoformat(),
                    }
                )
                if len(items) >= limit:
                    break
        return {"items": items}

    @app.get("/api/edocs/sent")
    async def sent(system_id: System) -> dict[str, Any]:
        async with sandbox.lock:
            items = [
                {
                    "doc_id": m.doc_id,
                    "message_id": m.message_id,
                    "from": m.sender,
                    "service_type": m.service_type,
                    "recipients": [{"code": c, "status": s} for c, s in m.recipients.items()],
                    "created_at": m.created_at.isoformat(),
                }
                for m in sandbox.store.messages.values()
                if m.sender_system == system_id
            ]
        return {"items": items}

    def delivery_for(system_id: str, doc_id: str) -> Delivery:
        delivery = sandbox.store.deliveries.get((doc_id, system_id))
        if delivery is None:
            raise SandboxError(404, "Unknown document", f"no document {doc_id} for system {system_id}")
        return delivery

    @app.get("/api/edocs/{doc_id}")
    async def get_edoc(doc_id: str, system_id: System) -> Response:
        async with sandbox.lock:
            delivery_for(system_id, doc_id)
            body = sandbox.store.messages[doc_id].body
        return Response(
            body,
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{doc_id}.edxml"'},
        )

    @app.put("/api/edocs/{doc_id}/status")
    async def update_status(doc_id: str, update: StatusUpdate, system_id: System) -> dict[str, Any]:
        async with sandbox.lock:
            delivery = delivery_for(system_id, doc_id)
            delivery.status = update.status
            message = sandbox.store.messages[doc_id]
            for code in delivery.codes:
                message.recipients[code] = update.status
        return {"doc_id": doc_id, "status": update.status}

    @app.get("/api/agencies")
    async def agencies(system_id: System) -> dict[str, Any]:
        async with sandbox.lock:
            items = [a.wire() for a in sorted(sandbox.store.agencies.values(), key=lambda a: a.code)]
        return {"items": items}

    @app.post("/api/agencies", status_code=201)
    async def register_agency(registration: AgencyRegistration, system_id: System) -> dict[str, Any]:
        try:
            code, parent = canonical_organ_id(registration.code), canonical_organ_id(registration.pcode)
        except ValueError as exc:
            raise SandboxError(422, "Malformed agency code", str(exc)) from exc
        async with sandbox.lock:
            if not sandbox.serves(system_id, parent):
                raise SandboxError(
                    403, "Not your agency", f"system {system_id} does not serve the parent {parent}"
                )
            existing = sandbox.store.agencies.get(code)
            if existing is not None and existing.system_id != system_id:
                raise SandboxError(409, "Agency taken", f"{code} belongs to another system")
            agency = Agency(
                id=registration.id,
                code=code,
                code20=registration.id,
                name=registration.name,
                pcode=parent,
                system_id=system_id,
                mail=registration.mail,
                mobile=registration.mobile,
                fax=registration.fax,
            )
            sandbox.store.agencies[code] = agency
        return agency.wire()

    # --- the Government portal's statistics endpoint ------------------------------------------------

    @app.post("/portal/stats", status_code=201)
    async def portal_stats(
        push: PortalStats,
        system_id: System,
        idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
    ) -> dict[str, Any]:
        """One agency's numbers for one month; the latest push per agency-month is what the portal shows.
        A push repeated with the same ``Idempotency-Key`` is stored once."""
        if not sandbox.serves(system_id, push.agency_code):
            raise SandboxError(
                403, "Not your agency", f"system {system_id} does not serve {push.agency_code}"
            )
        async with sandbox.lock:
            store = sandbox.store
            duplicate = any(
                p["system_id"] == system_id and p["idempotency_key"] == idempotency_key
                for p in store.portal_pushes
            )
            if not duplicate:
                record = {
                    "system_id": system_id,
                    "idempotency_key": idempotency_key,
                    "stats": push.model_dump(),
                }
                store.portal_pushes.append(record)
                store.portal_stats[(system_id, push.agency_code, push.month)] = record
        return {"duplicate": duplicate}

    @app.get("/admin/portal/stats", dependencies=[Depends(admin)])
    async def admin_portal_stats() -> dict[str, Any]:
        async with sandbox.lock:
            return {
                "latest": list(sandbox.store.portal_stats.values()),
                "pushes": list(sandbox.store.portal_pushes),
            }

    # --- admin: what a test needs to play the other side -----------------------------------------

    @app.post("/admin/send", status_code=201, dependencies=[Depends(admin)])
    async def central_send(order: CentralSend) -> dict[str, Any]:
        sender = sandbox.store.agencies.get(order.from_code)
        if sender is None or sender.system_id is not None:
            raise SandboxError(422, "Not a central agency", f"{order.from_code} is not played by the sandbox")
        recipients = []
        for code in order.to:
            agency = sandbox.store.agencies.get(code)
            recipients.append(Organization(organ_id=code, organ_name=agency.name if agency else None))
        document_id = make_document_id(order.from_code, order.issued_on, order.number, order.notation)
        revoke = order.business_type == "1"
        if revoke and not order.document_id:
            raise SandboxError(422, "Nothing to recall", "a recall names the DocumentId it recalls")
        package = DocumentPackage(
            message_header=MessageHeader(
                sender=Organization(organ_id=order.from_code, organ_name=sender.name),
                recipients=tuple(recipients),
                code=Code(code_number=order.number, code_notation=order.notation),
                promulgation_info=PromulgationInfo(place="Hà Nội", promulgation_date=order.issued_on),
                document_type=DocumentType(type_name=order.type_name),
                subject=order.subject,
                document_id=document_id,
            ),
            trace_headers=(TraceHeader(organ_id=order.from_code, timestamp=datetime.now(UTC)),),
            bussiness=Bussiness(
                bussiness_doc_type=BussinessDocType.REVOKE if revoke else BussinessDocType.NEW,
                bussiness_doc_reason=order.reason
                or ("Thu hồi văn bản điện tử" if revoke else "Văn bản điện tử mới"),
                document_id=order.document_id if revoke else None,
            ),
            attachments=tuple(
                Attachment(
                    content_id=str(index),
                    name=a.name,
                    content_type=a.content_type,
                    content=base64.b64decode(a.content_b64),
                )
                for index, a in enumerate(order.attachments, start=1)
            ),
        )
        body = build_document(package)
        if order.signed:
            body = sign_package(body, sandbox.signing_key())
        async with sandbox.lock:
            message = Message(
                doc_id=str(new_id()),
                message_id=str(new_id()),
                sender_system=None,
                sender=order.from_code,
                service_type="eDoc",
                message_type="edoc",
                body=body,
                created_at=datetime.now(UTC),
            )
            sandbox.store.messages[message.doc_id] = message
            sandbox.deliver(message, list(order.to))
        return {"doc_id": message.doc_id, "document_id": document_id}

    @app.post("/admin/inject", status_code=201, dependencies=[Depends(admin)])
    async def inject(
        request: Request,
        system_id: Annotated[str, Query(min_length=1)],
        from_code: Annotated[str, Query(min_length=1)] = "000.00.00.G09",
        message_type: Annotated[Literal["edoc", "status"], Query()] = "edoc",
    ) -> dict[str, Any]:
        """Deliver raw bytes unchecked, as a broken or hostile peer would."""
        body = await request.body()
        async with sandbox.lock:
            message = Message(
                doc_id=str(new_id()),
                message_id=str(new_id()),
                sender_system=None,
                sender=from_code,
                service_type="eDoc" if message_type == "edoc" else "status",
                message_type=message_type,
                body=body,
                created_at=datetime.now(UTC),
            )
            sandbox.store.messages[message.doc_id] = message
            sandbox.store.deliveries[(message.doc_id, system_id)] = Delivery(
                seq=sandbox.store.next_seq(), doc_id=message.doc_id, system_id=system_id, codes=()
            )
        return {"doc_id": message.doc_id}

    @app.get("/admin/edocs/{doc_id}", dependencies=[Depends(admin)])
    async def admin_get(doc_id: str) -> Response:
        message = sandbox.store.messages.get(doc_id)
        if message is None:
            raise SandboxError(404, "Unknown document", f"no document {doc_id}")
        return Response(message.body, media_type="application/xml")

    @app.get("/admin/edocs", dependencies=[Depends(admin)])
    async def admin_list() -> dict[str, Any]:
        async with sandbox.lock:
            items = [
                {
                    "doc_id": m.doc_id,
                    "from": m.sender,
                    "message_type": m.message_type,
                    "status_code": m.status_code,
                    "response_for": m.response_for,
                    "signature": m.signature,
                    "sha256": m.sha256,
                    "recipients": dict(m.recipients),
                    "delivered": {
                        d.system_id: d.status
                        for (doc, _), d in sandbox.store.deliveries.items()
                        if doc == m.doc_id
                    },
                }
                for m in sandbox.store.messages.values()
            ]
        return {"items": items}

    return app


__all__ = ["Sandbox", "SandboxError", "TransportStatus", "create_sandbox_app"]
