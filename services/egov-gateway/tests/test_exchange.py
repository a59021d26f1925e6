"""The gateway end to end against the axis sandbox, on SQLite+LocalBus and PostgreSQL.

Outbound: DeliveryCreated (external) → an edXML package at the sandbox → the ministry's 01, 03, 05, 06
→ ExternalStatusReceived in order. Inbound: a ministry's document → InboundDocumentReceived. Hostile
packages are refused, stored nowhere, and marked fail on the axis.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from axis_support import (
    SECRET,
    SYSTEM,
    LoseAnswers,
    RunningSandbox,
    free_port,
    sandbox_config,
    sandbox_in_process,
    sandbox_on_uvicorn,
)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from docs_support import MAIN_PDF, MAIN_SHA256, docs_in_process
from edxml_factories import identity
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from egov_gateway import MIGRATIONS, models
from egov_gateway.app import create_app
from egov_gateway.config import Settings
from egov_gateway.exchange import parse_document, verify_package
from egov_gateway.packages.workers import KeySource
from kit_bus.tables import outbox
from kit_bus.testing import DIALECTS, eventually, publish, service_under_test
from kit_contracts import (
    BusinessType,
    Confidentiality,
    DeliveryCreated,
    DocumentSummary,
    FileRef,
    OrgCreated,
    Tier,
)
from kit_db import make_engine

PROVINCE = OrgCreated(org_id=uuid4(), code="000.00.00.H42", name="UBND tỉnh Ninh Bình", tier=Tier.PROVINCE)
COMMUNE = OrgCreated(
    org_id=uuid4(),
    code="000.05.20.H42",
    name="UBND xã Gia Sinh",
    tier=Tier.COMMUNE,
    parent_id=PROVINCE.org_id,
)
HOME_AFFAIRS = OrgCreated(
    org_id=uuid4(), code="000.00.00.G09", name="Bộ Nội vụ", tier=Tier.CENTRAL, external=True
)
OFFICE = OrgCreated(
    org_id=uuid4(), code="000.00.00.G22", name="Văn phòng Chính phủ", tier=Tier.CENTRAL, external=True
)
EXCHANGE_ID = "000.00.00.H42,2026/11/20,125/UBND-VP"


def settings(url: str, sandbox: RunningSandbox | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "env": "test",
        "axis_url": sandbox.url if sandbox else f"http://127.0.0.1:{free_port()}",
        "axis_system_id": SYSTEM,
        "axis_secret": SECRET,
        "axis_retries": 0,
        "outbound_poll_seconds": 0.05,
        "inbound_poll_seconds": 0.05,
        "send_retry_seconds": 0.01,
    }
    return Settings(**(values | overrides))


@contextlib.asynccontextmanager
async def gateway(
    dialect: str, folder, sandbox: RunningSandbox | None, **overrides: Any
) -> AsyncIterator[Any]:
    """The gateway with a real docs-service beside it (``service.docs``: its files, its outage switch)."""
    async with (
        docs_in_process(dialect, folder / "docs") as docs,
        service_under_test(
            lambda url, bus, verifier: create_app(
                settings(url, sandbox, **overrides),
                bus=bus,
                verifier=verifier,
                axis_transport=sandbox.transport if sandbox else None,
                docs_transport=docs.transport,
                identity_transport=docs.identity,
            ),
            migrations=MIGRATIONS,
            dialect=dialect,
            name="egov",
            folder=folder,
        ) as running,
    ):
        running.docs = docs  # type: ignore[attr-defined]
        await publish(running.bus, [PROVINCE, COMMUNE, HOME_AFFAIRS, OFFICE])
        yield running


def summary(**overrides: Any) -> DocumentSummary:
    data: dict[str, Any] = {
        "document_id": uuid4(),
        "exchange_id": EXCHANGE_ID,
        "org_id": PROVINCE.org_id,
        "org_code": PROVINCE.code,
        "org_name": "UBND tỉnh Ninh Bình",
        "number": "125",
        "notation": "UBND-VP",
        "type_name": "Công văn",
        "subject": "V/v báo cáo tình hình triển khai Đề án 06 năm 2026",
        "issued_on": date(2026, 11, 20),
        "place": "Ninh Bình",
        "signer_name": "Phạm Quang Ngọc",
        "signer_position": "Chủ tịch",
        "signer_competence": "TM.",
        "page_count": 3,
        "files": [
            FileRef(
                file_id=uuid4(),
                sha256=MAIN_SHA256,
                name="Công văn 125-UBND-VP.pdf",
                content_type="application/pdf",
                size=len(MAIN_PDF),
                main=True,
            )
        ],
    }
    return DocumentSummary(**(data | overrides))


def delivery(recipient: OrgCreated = HOME_AFFAIRS, **overrides: Any) -> DeliveryCreated:
    data: dict[str, Any] = {
        "delivery_id": uuid4(),
        "dispatch_id": uuid4(),
        "sender_org_id": PROVINCE.org_id,
        "sender_org_code": PROVINCE.code,
        "recipient_org_id": recipient.org_id,
        "recipient_org_code": recipient.code,
        "recipient_external": recipient.external,
        "document": summary(),
        "created_at": datetime.now(UTC),
    }
    return DeliveryCreated(**(data | overrides))


async def events(service, *types: str) -> list[dict[str, Any]]:
    rows = await service.rows(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.seq))
    return [dict(payload) | {"type": kind} for kind, payload in rows if not types or kind in types]


async def orm(service, stmt) -> list[Any]:
    engine = make_engine(url=service.database_url, pool_size=1)
    try:
        async with AsyncSession(engine) as session:
            return list((await session.execute(stmt)).scalars())
    finally:
        await engine.dispose()


async def packages(service, **where: Any) -> list[models.ExchangePackage]:
    stmt = select(models.ExchangePackage).order_by(
        models.ExchangePackage.created_at, models.ExchangePackage.id
    )
    for name, value in where.items():
        stmt = stmt.where(getattr(models.ExchangePackage, name) == value)
    return await orm(service, stmt)


async def evidence(service, package_id: UUID) -> models.PackageEvidence:
    [row] = await orm(
        service, select(models.PackageEvidence).where(models.PackageEvidence.package_id == package_id)
    )
    return row


STATUS = "egov.status.received.v1"
TRANSPORT = "egov.transport.changed.v1"
INBOUND = "egov.inbound.received.v1"


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_delivery_to_a_ministry_travels_and_its_statuses_come_back_in_order(dialect, tmp_path):
    async with (
        sandbox_on_uvicorn(sandbox_config(ack_delay=0.05)) as sandbox,  # real HTTP both ways
        gateway(dialect, tmp_path, sandbox) as service,
    ):
        sent = delivery()
        local = delivery(COMMUNE)  # served here: docs-service takes it, the gateway ignores it
        await publish(service.bus, [sent, local])

        async def four_statuses():
            found = await events(service, STATUS)
            return found if len(found) == 4 else None

        statuses = await eventually(four_statuses, within=20)
        assert [s["status"] for s in statuses] == ["01", "03", "05", "06"]
        for status in statuses:
            assert status["delivery_id"] == str(sent.delivery_id)
            assert status["exchange_id"] == EXCHANGE_ID
            assert status["from_org_code"] == "000.00.00.G09"
        assert statuses[0]["description"] == "Đã đến"

        [transport] = await events(service, TRANSPORT)
        assert (transport["state"], transport["attempts"]) == ("sent", 1)
        assert transport["delivery_id"] == str(sent.delivery_id)

        [outgoing] = await packages(service, direction="out")
        assert (outgoing.delivery_id, outgoing.state, outgoing.attempts) == (sent.delivery_id, "sent", 1)
        stored = await evidence(service, outgoing.id)
        assert stored.signature_status == "valid"  # signed with the generated development key
        at_axis = sandbox.state.store.messages[outgoing.axis_doc_id or ""]
        assert at_axis.body == stored.raw  # the evidence is the exact bytes handed over
        assert at_axis.message_id == str(outgoing.id)
        assert at_axis.recipients == {"000.00.00.G09": "done"}

        package = parse_document(stored.raw)
        header = package.message_header
        assert header.document_id == EXCHANGE_ID
        assert (header.sender.organ_id, header.recipients[0].organ_id) == (
            "000.00.00.H42",
            "000.00.00.G09",
        )
        assert header.recipients[0].organ_name == "Bộ Nội vụ"
        assert header.subject == "V/v báo cáo tình hình triển khai Đề án 06 năm 2026"
        assert header.signer_info is not None
        assert header.signer_info.competence == "TM."
        [attachment] = package.attachments
        assert (attachment.name, attachment.content_type) == ("Công văn 125-UBND-VP.pdf", "application/pdf")
        assert attachment.content == MAIN_PDF  # the bytes docs-service holds travel in the package

        received = await packages(service, direction="in")
        assert [p.status_code for p in received] == ["01", "03", "05", "06"]
        assert all(p.kind == "status" for p in received)
        deliveries = sandbox.state.store.deliveries
        await eventually(  # marked done on the axis (after they were stored): no longer listed there
            lambda: all(deliveries[(p.axis_doc_id or "", SYSTEM)].status == "done" for p in received)
        )
        assert len(await packages(service)) == 5  # the local delivery made none
        last = max(d.seq for d in deliveries.values())

        async def cursor_at_last():
            return await service.scalar(select(models.AxisCursor.position)) == last

        await eventually(cursor_at_last)

        # The province's clerks see the package and its evidence; another agency does not.
        clerk = service.client_for(PROVINCE.org_id, ["clerk"])
        listed = (
            await clerk.get("/api/v1/exchange/packages", params={"delivery_id": str(sent.delivery_id)})
        ).json()
        assert [p["id"] for p in listed] == [str(outgoing.id)]
        raw = await clerk.get(f"/api/v1/exchange/packages/{outgoing.id}/raw")
        assert raw.status_code == 200
        assert raw.content == stored.raw
        assert raw.headers["x-content-sha256"] == stored.sha256
        assert raw.headers["content-type"] == "application/xml"
        stranger = service.client_for(uuid4(), ["clerk"])
        assert (await stranger.get("/api/v1/exchange/packages")).json() == []
        hidden = await stranger.get(f"/api/v1/exchange/packages/{outgoing.id}/raw")
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == "application/problem+json"


async def test_what_we_send_is_well_formed_for_xmllint_and_its_signature_checks_with_xmlsec1(tmp_path):
    async with sandbox_in_process() as sandbox, gateway("sqlite", tmp_path, sandbox) as service:
        await publish(service.bus, [delivery(OFFICE)])
        [outgoing] = await eventually(lambda: packages(service, state="sent"))
        raw = (await evidence(service, outgoing.id)).raw
    path = tmp_path / "SendDocument.000.00.00.G22.edxml"
    path.write_bytes(raw)
    lint = run_tool("xmllint", "libxml2-utils", "--noout", "--nonet", str(path))
    assert lint.returncode == 0, lint.stderr
    # An independent XML-DSig implementation (libxmlsec1) agrees the signature is intact, using the
    # certificate the package carries (self-signed in test, hence --insecure: no chain to a CA).
    verify = ("--verify", "--insecure", "--enabled-reference-uris", "empty", str(path))
    check = run_tool("xmlsec1", "xmlsec1", *verify)
    assert check.returncode == 0, check.stderr
    path.write_bytes(raw.replace("Đề án 06".encode(), "Đề án 07".encode()))
    assert run_tool("xmlsec1", "xmlsec1", *verify).returncode != 0


def run_tool(name: str, debian_package: str, *args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which(name)
    assert found, f"{name} missing: install the Debian package {debian_package}"
    return subprocess.run([found, *args], capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_ministry_document_and_its_recall_reach_our_agency(dialect, tmp_path):
    content = b"%PDF-1.7 " + bytes(range(256)) * 40
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox) as service,
        sandbox.admin() as admin,
    ):
        sent = await admin.post(
            "/admin/send",
            json={
                "from_code": "000.00.00.G09",
                "to": ["000.05.20.H42", "000.00.00.H42"],
                "number": "4521",
                "notation": "BNV-CCVC",
                "subject": "V/v rà soát, sắp xếp đơn vị hành chính cấp xã",
                "issued_on": "2026-11-25",
                "attachments": [
                    {"name": "Công văn 4521.pdf", "content_b64": base64.b64encode(content).decode()}
                ],
            },
        )
        assert sent.status_code == 201, sent.text
        document_id = sent.json()["document_id"]
        assert document_id == "000.00.00.G09,2026/11/25,4521/BNV-CCVC"

        found = await eventually(lambda: events(service, INBOUND))
        assert [e["recipient_org_code"] for e in found] == ["000.05.20.H42", "000.00.00.H42"]
        first = found[0]
        assert first["sender_org_code"] == "000.00.00.G09"
        assert first["business_type"] == BusinessType.NEW
        assert first["signature"] == "valid"
        document = first["document"]
        assert document["exchange_id"] == document_id
        assert document["org_id"] == str(HOME_AFFAIRS.org_id)
        assert (document["number"], document["notation"]) == ("4521", "BNV-CCVC")
        assert document["subject"] == "V/v rà soát, sắp xếp đơn vị hành chính cấp xã"
        [file] = document["files"]
        assert (file["name"], file["size"], file["main"]) == ("Công văn 4521.pdf", len(content), True)

        [inbound] = await packages(service, direction="in")
        assert inbound.recipient_codes == "000.05.20.H42,000.00.00.H42"
        await eventually(
            lambda: sandbox.state.store.deliveries[(inbound.axis_doc_id or "", SYSTEM)].status == "done"
        )
        stored = await evidence(service, inbound.id)
        assert stored.raw == sandbox.state.store.messages[inbound.axis_doc_id or ""].body
        assert verify_package(stored.raw).valid

        commune = service.client_for(COMMUNE.org_id, ["clerk"])
        mine = (await commune.get("/api/v1/exchange/packages", params={"direction": "in"})).json()
        assert [p["id"] for p in mine] == [str(inbound.id)]
        assert (await commune.get(f"/api/v1/exchange/packages/{inbound.id}/raw")).content == stored.raw
        by_agency = await commune.get("/api/v1/exchange/packages", params={"agency": "000.00.00.G09"})
        assert [p["id"] for p in by_agency.json()] == [str(inbound.id)]
        outbound_only = await commune.get("/api/v1/exchange/packages", params={"direction": "out"})
        assert outbound_only.json() == []
        got = await commune.get(f"/api/v1/exchange/packages/{inbound.id}/files/{file['file_id']}")
        assert got.status_code == 200, got.text
        assert got.content == content
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-sha256"] == file["sha256"]
        assert "C%C3%B4ng%20v%C4%83n%204521.pdf" in got.headers["content-disposition"]
        unknown_file = await commune.get(f"/api/v1/exchange/packages/{inbound.id}/files/{uuid4()}")
        assert unknown_file.status_code == 404
        assert unknown_file.json()["type"].endswith("/file-not-in-package")
        stranger = service.client_for(uuid4(), ["clerk"])
        hidden = await stranger.get(f"/api/v1/exchange/packages/{inbound.id}/files/{file['file_id']}")
        assert hidden.status_code == 404

        recall = await admin.post(
            "/admin/send",
            json={
                "from_code": "000.00.00.G09",
                "to": ["000.05.20.H42"],
                "business_type": "1",
                "number": "4530",
                "notation": "BNV-CCVC",
                "document_id": document_id,
                "reason": "Thu hồi do sai sót thể thức",
            },
        )
        assert recall.status_code == 201, recall.text

        async def the_recall():
            found = await events(service, INBOUND)
            return found[2:] if len(found) == 3 else None

        [revoke] = await eventually(the_recall)
        assert revoke["business_type"] == BusinessType.REVOKE
        assert revoke["recipient_org_code"] == "000.05.20.H42"
        assert revoke["document"]["exchange_id"] == document_id  # the document it recalls
        assert revoke["document"]["document_id"] == document["document_id"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol3;</edXML>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><x>&xxe;</x></edXML>"""
MALFORMED = b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope>'
NOT_EDXML = '<?xml version="1.0"?><html><body>Xin chào</body></html>'.encode()
DEEP = b"<a>" * 5000 + b"</a>" * 5000
OVERSIZED = b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' + b" " * 300_000 + b"</edXML>"


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_hostile_packages_are_refused_stored_nowhere_and_failed_on_the_axis(dialect, tmp_path):
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox, max_package_bytes=200_000) as service,
        sandbox.admin() as admin,
    ):
        hostile = {}
        for name, body in [
            ("billion-laughs", BILLION_LAUGHS),
            ("xxe", XXE),
            ("malformed", MALFORMED),
            ("not-edxml", NOT_EDXML),
            ("deep", DEEP),
            ("oversized", OVERSIZED),
        ]:
            response = await admin.post("/admin/inject", params={"system_id": SYSTEM}, content=body)
            hostile[name] = response.json()["doc_id"]
        good = await admin.post("/admin/send", json={"to": ["000.00.00.H42"]})  # after them, still taken in
        assert good.status_code == 201

        [received] = await eventually(lambda: events(service, INBOUND))
        assert received["document"]["exchange_id"] == good.json()["document_id"]
        await eventually(
            lambda: all(
                sandbox.state.store.deliveries[(doc_id, SYSTEM)].status == "fail"
                for doc_id in hostile.values()
            )
        )
        [inbound] = await packages(service)
        assert inbound.axis_doc_id == good.json()["doc_id"]
        assert len(await orm(service, select(models.PackageEvidence))) == 1
        assert [e["type"] for e in await events(service)] == [INBOUND]


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_an_unsigned_package_is_kept_and_flagged(dialect, tmp_path):
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox) as service,
        sandbox.admin() as admin,
    ):
        await admin.post("/admin/send", json={"to": ["000.00.00.H42"], "signed": False})
        [received] = await eventually(lambda: events(service, INBOUND))
        assert received["signature"] == "missing"
        assert received["signature_detail"] == "no XML-DSig Signature in edXMLHeader"
        [inbound] = await packages(service)
        assert (await evidence(service, inbound.id)).signature_status == "missing"
        listed = await service.client_for(PROVINCE.org_id, ["clerk"]).get("/api/v1/exchange/packages")
        assert [(p["id"], p["signature"], p["signature_detail"]) for p in listed.json()] == [
            (str(inbound.id), "missing", "no XML-DSig Signature in edXMLHeader")
        ]


async def test_with_reject_unsigned_an_unsigned_package_is_refused(tmp_path):
    async with (
        sandbox_in_process() as sandbox,
        gateway("sqlite", tmp_path, sandbox, reject_unsigned=True) as service,
        sandbox.admin() as admin,
    ):
        unsigned = (await admin.post("/admin/send", json={"to": ["000.00.00.H42"], "signed": False})).json()
        signed = (await admin.post("/admin/send", json={"to": ["000.00.00.H42"], "number": "16"})).json()
        [received] = await eventually(lambda: events(service, INBOUND))
        assert (received["document"]["number"], received["signature"]) == ("16", "valid")
        await eventually(
            lambda: sandbox.state.store.deliveries[(unsigned["doc_id"], SYSTEM)].status == "fail"
        )
        assert [p.axis_doc_id for p in await packages(service)] == [signed["doc_id"]]


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_an_unreachable_axis_fails_each_attempt_then_finally(dialect, tmp_path):
    async with gateway(dialect, tmp_path, None, send_max_attempts=3) as service:
        sent = delivery()
        await publish(service.bus, [sent])

        async def three():
            found = await events(service, TRANSPORT)
            return found if len(found) == 3 else None

        changes = await eventually(three, within=20)
        assert [(c["state"], c["attempts"]) for c in changes] == [
            ("failed", 1),
            ("failed", 2),
            ("finally_failed", 3),
        ]
        assert "unavailable" in changes[-1]["detail"]
        [outgoing] = await packages(service)
        assert (outgoing.state, outgoing.attempts, outgoing.next_attempt_at) == ("finally_failed", 3, None)
        # Built and signed once: every attempt hands over the same bytes.
        assert (await evidence(service, outgoing.id)).signature_status == "valid"


async def test_a_package_the_axis_refuses_fails_at_once(tmp_path):
    nowhere = OrgCreated(
        org_id=uuid4(),
        code="000.00.00.G99",
        name="Cơ quan không có trên trục",
        tier=Tier.CENTRAL,
        external=True,
    )
    async with sandbox_in_process() as sandbox, gateway("sqlite", tmp_path, sandbox) as service:
        await publish(service.bus, [nowhere])
        await publish(service.bus, [delivery(nowhere)])
        [change] = await eventually(lambda: events(service, TRANSPORT))
        assert (change["state"], change["attempts"]) == ("finally_failed", 1)
        assert "000.00.00.G99" in change["detail"]
        assert sandbox.state.store.messages == {}


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_each_delivery_is_one_package_and_secret_documents_never_travel(dialect, tmp_path):
    async with gateway(dialect, tmp_path, None, outbound_poll_seconds=60, inbound_poll_seconds=60) as service:
        one = delivery()
        secret = delivery(
            document=summary(confidentiality=Confidentiality.SECRET, exchange_id="x,2026/11/20,1/MẬT")
        )
        await publish(service.bus, [one, secret, one])  # the bus delivers each twice as well
        await eventually(lambda: len_is(packages(service), 2))
        outgoing = await packages(service)
        assert sorted(p.delivery_id for p in outgoing) == sorted([one.delivery_id, secret.delivery_id])
        # (the other one may have been tried already, against no axis: it is not the point here)
        changes = [c for c in await events(service, TRANSPORT) if c["delivery_id"] == str(secret.delivery_id)]
        assert [(c["state"], c["attempts"]) for c in changes] == [("finally_failed", 0)]
        assert "mật" in changes[0]["detail"]
        [kept] = [p for p in outgoing if p.delivery_id == secret.delivery_id]
        assert kept.next_attempt_at is None  # never picked up by the sender


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"direction": "sideways"}, ["query", "direction"]),
        ({"delivery_id": "not-a-uuid"}, ["query", "delivery_id"]),
        ({"agency": "x" * 14}, ["query", "agency"]),
        ({"limit": "0"}, ["query", "limit"]),
    ],
)
async def test_bad_filters_are_problems(tmp_path, params, location):
    async with gateway(
        "sqlite", tmp_path, None, outbound_poll_seconds=60, inbound_poll_seconds=60
    ) as service:
        client = service.client_for(PROVINCE.org_id, ["clerk"])
        response = await client.get("/api/v1/exchange/packages", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["location"] for e in response.json()["errors"]] == [location]
        missing = await client.get(f"/api/v1/exchange/packages/{uuid4()}/raw")
        assert missing.status_code == 404
        assert missing.json()["type"].endswith("/package-not-found")


async def test_a_system_admin_sees_every_package_and_tokens_are_required(tmp_path):
    async with gateway(
        "sqlite", tmp_path, None, outbound_poll_seconds=60, inbound_poll_seconds=60
    ) as service:
        await publish(service.bus, [delivery(), delivery(OFFICE)])
        await eventually(lambda: len_is(packages(service), 2))
        admin = service.client_for(uuid4(), ["system_admin"])
        listed = (await admin.get("/api/v1/exchange/packages")).json()
        assert len(listed) == 2
        only = (await admin.get("/api/v1/exchange/packages", params={"agency": "000.00.00.G22"})).json()
        assert [p["recipient_codes"] for p in only] == ["000.00.00.G22"]
        for path in ("/api/v1/exchange/packages", f"/api/v1/exchange/packages/{listed[0]['id']}/raw"):
            refused = await service.client.get(path)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"].startswith("Bearer")


async def len_is(coroutine, n: int) -> bool:
    return len(await coroutine) == n


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_recall_sent_to_a_ministry_is_answered_15_on_the_recall_delivery(dialect, tmp_path):
    async with sandbox_in_process() as sandbox, gateway(dialect, tmp_path, sandbox) as service:
        new = delivery()
        await publish(service.bus, [new])
        await eventually(lambda: len_is(events(service, STATUS), 4))
        revoke = delivery(business_type=BusinessType.REVOKE, note="Thu hồi để sửa thể thức")
        await publish(service.bus, [revoke])

        async def answered():
            found = await events(service, STATUS)
            return found[4:] if len(found) == 5 else None

        [recall] = await eventually(answered)
        assert (recall["status"], recall["delivery_id"]) == ("15", str(revoke.delivery_id))
        [outgoing] = await packages(service, delivery_id=revoke.delivery_id)
        package = parse_document((await evidence(service, outgoing.id)).raw)
        assert package.bussiness.bussiness_doc_type == 1
        assert package.bussiness.document_id == EXCHANGE_ID
        assert package.bussiness.bussiness_doc_reason == "Thu hồi để sửa thể thức"


async def test_updates_and_replacements_travel_as_their_business_types(tmp_path):
    async with sandbox_in_process() as sandbox, gateway("sqlite", tmp_path, sandbox) as service:
        update = delivery(business_type=BusinessType.UPDATE)
        replace = delivery(business_type=BusinessType.REPLACE)
        await publish(service.bus, [update, replace])
        await eventually(lambda: len_is(events(service, STATUS), 2))  # each acknowledged 01
        for sent, kind in ((update, 2), (replace, 3)):
            [outgoing] = await packages(service, delivery_id=sent.delivery_id)
            assert outgoing.state == "sent"
            package = parse_document((await evidence(service, outgoing.id)).raw)
            assert package.bussiness.bussiness_doc_type == kind
        assert {s["status"] for s in await events(service, STATUS)} == {"01"}


async def test_a_send_whose_answer_was_lost_is_stored_once_at_the_axis(tmp_path):
    async with sandbox_in_process() as sandbox:
        assert sandbox.transport is not None
        lossy = LoseAnswers(sandbox.transport, method="POST", path_part="/api/edocs")
        relay = RunningSandbox(app=sandbox.app, url=sandbox.url, transport=lossy)
        async with gateway("sqlite", tmp_path, relay) as service:
            sent = delivery()
            await publish(service.bus, [sent])

            async def two_changes():
                found = await events(service, TRANSPORT)
                return found if len(found) == 2 else None

            changes = await eventually(two_changes)
            assert [(c["state"], c["attempts"]) for c in changes] == [("failed", 1), ("sent", 2)]
            [outgoing] = await packages(service, direction="out")
            ours = [m.doc_id for m in sandbox.state.store.messages.values() if m.sender_system == SYSTEM]
            assert ours == [outgoing.axis_doc_id]  # one message at the axis, not two
            await eventually(lambda: len_is(events(service, STATUS), 4))


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_package_stored_but_not_acknowledged_is_acknowledged_later_and_stored_once(dialect, tmp_path):
    async with sandbox_in_process() as sandbox:
        assert sandbox.transport is not None
        lossy = LoseAnswers(sandbox.transport, method="PUT", path_part="/status", count=2, reach=False)
        relay = RunningSandbox(app=sandbox.app, url=sandbox.url, transport=lossy)
        async with gateway(dialect, tmp_path, relay) as service, sandbox.admin() as admin:
            doc_id = (await admin.post("/admin/send", json={"to": ["000.00.00.H42"]})).json()["doc_id"]
            await eventually(lambda: sandbox.state.store.deliveries[(doc_id, SYSTEM)].status == "done")
            assert lossy.lost == 2
            assert len(await packages(service)) == 1
            assert len(await events(service, INBOUND)) == 1


@pytest.mark.parametrize("form", ["pkcs12", "pem"])
async def test_packages_are_signed_with_the_agency_key_from_settings(form, tmp_path):
    key, certificate = identity("Văn thư UBND tỉnh Ninh Bình")
    password = "mật-khẩu-1"  # noqa: S105
    if form == "pkcs12":
        key_path = tmp_path / "agency.p12"
        key_path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"agency", key, certificate, None, serialization.BestAvailableEncryption(password.encode())
            )
        )
        files = {"signing_key_path": key_path}
    else:
        key_path, certificate_path = tmp_path / "agency.key", tmp_path / "agency.pem"
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(password.encode()),
            )
        )
        certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        files = {"signing_key_path": key_path, "signing_certificate_path": certificate_path}
    async with (
        sandbox_in_process() as sandbox,
        gateway("sqlite", tmp_path, sandbox, signing_key_password=password, **files) as service,
    ):
        await publish(service.bus, [delivery()])
        [outgoing] = await eventually(lambda: packages(service, state="sent"))
        stored = await evidence(service, outgoing.id)
        assert stored.signature_status == "valid"
        fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
        assert stored.verification["signer"]["sha256_fingerprint"] == fingerprint
        assert verify_package(stored.raw, expected_certificates=[certificate]).trusted


def test_production_without_an_agency_key_does_not_sign(tmp_path):
    production = Settings(
        env="production",
        axis_secret="real-secret",  # noqa: S106
        client_secret="another-real-secret",  # noqa: S106
        database_url=f"sqlite+aiosqlite:///{tmp_path}/x",
    )
    assert KeySource(production).get() is None
    development = Settings(env="development", database_url=f"sqlite+aiosqlite:///{tmp_path}/x")
    generated = KeySource(development).get()
    assert generated is not None
    assert "development key" in generated.certificate.subject.rfc4514_string()
