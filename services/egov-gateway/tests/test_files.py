"""The files of documents travel both ways with a real docs-service beside the gateway.

Outbound: the package the axis receives carries the bytes docs-service holds (each checked against its
digest); docs down → the package is not sent but retried with the send backoff, and sent once docs is
back; an unknown content fails it at once. Inbound: a ministry's attachments are stored in docs-service
before the document is announced, and the event names them by the digests docs reports; docs down →
the package stays on the axis (not acknowledged, the cursor where it was) until the next poll finds
docs again.
"""

from __future__ import annotations

import base64
import hashlib
from uuid import uuid4

import httpx
import pytest
from axis_support import SYSTEM, sandbox_in_process
from docs_support import CLIENT_ID, CLIENT_SECRET, MAIN_PDF, MAIN_SHA256, IdentityTokens, docs_in_process
from sqlalchemy import select
from test_exchange import (
    INBOUND,
    OFFICE,
    TRANSPORT,
    delivery,
    events,
    gateway,
    packages,
    summary,
)

from egov_gateway import models
from egov_gateway.docs_client import DocsClient, DocsRefused, DocsUnavailable
from egov_gateway.exchange import parse_document, verify_package
from kit_bus.testing import DIALECTS, eventually, publish
from kit_contracts import FileRef
from kit_core.testing import TokenMint

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PNG_SHA256 = hashlib.sha256(PNG).hexdigest()


def ref(name: str, data: bytes, content_type: str, *, main: bool = False) -> FileRef:
    return FileRef(
        file_id=uuid4(),
        sha256=hashlib.sha256(data).hexdigest(),
        name=name,
        content_type=content_type,
        size=len(data),
        main=main,
    )


def with_files(*files: FileRef):
    return delivery(OFFICE, document=summary(files=list(files)))


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_an_outgoing_package_carries_the_bytes_docs_holds(dialect, tmp_path):
    async with sandbox_in_process() as sandbox, gateway(dialect, tmp_path, sandbox) as service:
        assert await service.docs.store("Phụ lục ảnh.png", PNG) == PNG_SHA256
        main = ref("Công văn 125-UBND-VP.pdf", MAIN_PDF, "application/pdf", main=True)
        appendix = ref("Phụ lục ảnh.png", PNG, "image/png")
        await publish(service.bus, [with_files(main, appendix, appendix)])  # the same content twice: once

        [outgoing] = await eventually(lambda: packages(service, state="sent"))
        body = sandbox.state.store.messages[outgoing.axis_doc_id or ""].body
        package = parse_document(body)
        assert [(a.content_id, a.name, a.content_type) for a in package.attachments] == [
            ("1", "Công văn 125-UBND-VP.pdf", "application/pdf"),
            ("2", "Phụ lục ảnh.png", "image/png"),
        ]
        received = {hashlib.sha256(a.content).hexdigest() for a in package.attachments}
        assert received == {MAIN_SHA256, PNG_SHA256}
        assert service.docs.has(MAIN_SHA256) == MAIN_PDF  # what docs keeps is what travelled
        assert service.docs.has(PNG_SHA256) == PNG
        assert verify_package(body).valid  # the signature covers the attachments
        assert service.docs.identity.issued == 1  # one token, cached across the fetches


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_docs_down_the_package_waits_and_is_sent_when_docs_is_back(dialect, tmp_path):
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox, send_retry_seconds=0.2, send_max_attempts=20) as service,
    ):
        service.docs.transport.mode = "refused"
        sent = delivery(OFFICE)
        await publish(service.bus, [sent])

        async def failed_twice():
            found = await events(service, TRANSPORT)
            return found if len(found) >= 2 else None

        changes = await eventually(failed_twice, within=20)
        assert [c["state"] for c in changes[:2]] == ["failed", "failed"]
        assert "docs-service" in changes[0]["detail"]
        assert sandbox.state.store.messages == {}  # nothing reached the axis
        [waiting] = await packages(service)
        assert waiting.state == "failed"
        assert await service.rows(select(models.PackageEvidence.package_id)) == []  # not built

        service.docs.transport.mode = "503"  # answering, but not serving: still retried
        await eventually(lambda: service.docs.transport.failed >= 1 + changes[-1]["attempts"], within=20)
        service.docs.transport.mode = None
        [outgoing] = await eventually(lambda: packages(service, state="sent"), within=20)
        [attachment] = parse_document(
            sandbox.state.store.messages[outgoing.axis_doc_id or ""].body
        ).attachments
        assert attachment.content == MAIN_PDF
        assert (await events(service, TRANSPORT))[-1]["state"] == "sent"


async def test_a_content_docs_does_not_have_fails_the_package_at_once(tmp_path):
    async with sandbox_in_process() as sandbox, gateway("sqlite", tmp_path, sandbox) as service:
        unknown = ref("mất.pdf", b"%PDF-1.4 never stored %%EOF", "application/pdf", main=True)
        await publish(service.bus, [with_files(unknown)])
        [change] = await eventually(lambda: events(service, TRANSPORT))
        assert (change["state"], change["attempts"]) == ("finally_failed", 1)
        assert unknown.sha256 in change["detail"]
        assert "404" in change["detail"]
        assert sandbox.state.store.messages == {}


async def send_from_ministry(
    admin: httpx.AsyncClient, number: str, attachments: list[tuple[str, str, bytes]]
):
    response = await admin.post(
        "/admin/send",
        json={
            "from_code": "000.00.00.G09",
            "to": ["000.05.20.H42"],
            "number": number,
            "notation": "BNV-CCVC",
            "subject": "V/v rà soát, sắp xếp đơn vị hành chính cấp xã",
            "issued_on": "2026-11-25",
            "attachments": [
                {"name": name, "content_type": kind, "content_b64": base64.b64encode(data).decode()}
                for name, kind, data in attachments
            ],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_received_attachments_reach_docs_before_the_document_is_announced(dialect, tmp_path):
    pdf = MAIN_PDF.replace(b"125/UBND-VP", b"4521/BNV-CCVC")
    async with (
        sandbox_in_process() as sandbox,
        gateway(dialect, tmp_path, sandbox) as service,
        sandbox.admin() as admin,
    ):
        service.docs.transport.mode = "refused"
        sent = await send_from_ministry(
            admin,
            "4521",
            [("Công văn 4521.pdf", "application/pdf", pdf), ("Phụ lục.png", "image/png", PNG)],
        )
        await eventually(lambda: service.docs.transport.failed >= 2, within=20)  # two polls found docs down
        assert await events(service, INBOUND) == []
        assert await packages(service) == []
        assert sandbox.state.store.deliveries[(sent["doc_id"], SYSTEM)].status != "done"
        assert [p for (p,) in await service.rows(select(models.AxisCursor.position))] in ([], [0])

        service.docs.transport.mode = None
        [announced] = await eventually(lambda: events(service, INBOUND), within=20)
        files = announced["document"]["files"]
        assert [(f["name"], f["sha256"], f["main"]) for f in files] == [
            ("Công văn 4521.pdf", hashlib.sha256(pdf).hexdigest(), True),
            ("Phụ lục.png", PNG_SHA256, False),
        ]
        for file, data in zip(files, (pdf, PNG), strict=True):
            assert service.docs.has(file["sha256"]) == data  # docs-service holds them under those digests
        await eventually(lambda: sandbox.state.store.deliveries[(sent["doc_id"], SYSTEM)].status == "done")


async def test_a_content_docs_refuses_stays_in_the_evidence_and_the_document_still_arrives(tmp_path):
    exe = b"MZ\x90\x00" + b"\x00" * 200
    async with (
        sandbox_in_process() as sandbox,
        gateway("sqlite", tmp_path, sandbox) as service,
        sandbox.admin() as admin,
    ):
        await send_from_ministry(
            admin,
            "4522",
            [("Công văn.pdf", "application/pdf", MAIN_PDF), ("setup.exe", "application/pdf", exe)],
        )
        [announced] = await eventually(lambda: events(service, INBOUND), within=20)
        [main, refused] = announced["document"]["files"]
        assert service.docs.has(main["sha256"]) == MAIN_PDF
        assert refused["sha256"] == hashlib.sha256(exe).hexdigest()
        assert service.docs.has(refused["sha256"]) is None  # listed as missing by the incoming copy


class Tamper(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=body + b"x")


async def test_the_client_refetches_a_refused_token_and_checks_digests(tmp_path):
    async with docs_in_process("sqlite", tmp_path / "docs") as docs:
        stale = IdentityTokens(TokenMint())  # tokens docs does not trust: each answered 401

        class ThenGood(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                source = stale if stale.issued == 0 else docs.identity
                return await source.handle_async_request(request)

        client = DocsClient(
            docs_url="http://docs.test",
            identity_url="http://identity.test",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            docs_transport=docs.transport,
            identity_transport=ThenGood(),
        )
        async with client:
            assert await client.fetch(MAIN_SHA256) == MAIN_PDF
            assert (stale.issued, docs.identity.issued) == (1, 1)  # refused once, fetched again once
            assert await client.store("ảnh.png", "image/png", PNG) == PNG_SHA256
            assert docs.identity.issued == 1
            with pytest.raises(DocsRefused, match="404"):
                await client.fetch(hashlib.sha256(b"nothing").hexdigest())
            with pytest.raises(DocsRefused, match="415"):
                await client.store("virus.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 64)
            docs.transport.mode = "503"
            with pytest.raises(DocsUnavailable):
                await client.fetch(MAIN_SHA256)
            docs.transport.mode = None

        tampered = DocsClient(
            docs_url="http://docs.test",
            identity_url="http://identity.test",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            docs_transport=Tamper(docs.transport),
            identity_transport=docs.identity,
        )
        async with tampered:
            with pytest.raises(DocsRefused, match="SHA-256"):
                await tampered.fetch(MAIN_SHA256)

        wrong = DocsClient(
            docs_url="http://docs.test",
            identity_url="http://identity.test",
            client_id=CLIENT_ID,
            client_secret="not-the-secret",  # noqa: S106
            docs_transport=docs.transport,
            identity_transport=docs.identity,
        )
        async with wrong:
            with pytest.raises(DocsUnavailable, match="invalid_client"):
                await wrong.fetch(MAIN_SHA256)
