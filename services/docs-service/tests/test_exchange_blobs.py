"""The exchange blob API for egov-gateway: contents by digest, in and out, for machine clients with the
scope exchange.files only; refusals keep nothing; a stored content is adopted by a later incoming copy."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import func, select

from docs_service import models
from kit_bus.testing import publish
from kit_contracts import DeliveryCreated, DocumentSummary, FileRef

from .docs_harness import People, agency
from .sign_harness import sample_pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
LIMIT = 2 * 1024 * 1024  # conftest's max_file_bytes
BLOBS = "/api/v1/exchange/blobs"


def machine(service, scopes=("exchange.files",)) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=service.client._transport,
        base_url=service.client.base_url,
        headers=service.mint.client_headers(scopes=scopes, client_id="egov-gateway"),
    )
    service._clients.append(client)
    return client


def stored_objects(blobs: Path) -> list[Path]:
    return [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []


async def blob_rows(service) -> int:
    return await service.scalar(select(func.count()).select_from(models.Blob))


async def test_contents_round_trip_by_digest(service):
    egov = machine(service)
    pdf = sample_pdf("Cong van gui Bo Noi vu")
    stored = await egov.post(BLOBS, files={"file": ("công-văn.pdf", pdf, "application/octet-stream")})
    assert stored.status_code == 201, stored.text
    digest = hashlib.sha256(pdf).hexdigest()
    assert stored.json() == {"sha256": digest, "content_type": "application/pdf", "size": len(pdf)}

    again = await egov.post(BLOBS, files={"file": ("other-name.pdf", pdf)})
    assert again.status_code == 200, again.text
    assert again.json()["sha256"] == digest
    assert await blob_rows(service) == 1

    fetched = await egov.get(f"{BLOBS}/{digest}")
    assert fetched.status_code == 200
    assert fetched.content == pdf
    assert fetched.headers["content-type"] == "application/pdf"
    assert fetched.headers["etag"] == f'"{digest}"'
    assert (await egov.get(f"{BLOBS}/{digest.upper()}")).content == pdf


async def test_unknown_or_malformed_digests_are_404(service):
    egov = machine(service)
    for wanted in (hashlib.sha256(b"never stored").hexdigest(), "not-a-digest", "..%2F..%2Fetc%2Fpasswd"):
        response = await egov.get(f"{BLOBS}/{wanted}")
        assert response.status_code == 404, wanted
        assert response.headers["content-type"] == "application/problem+json"
        if "%2F" not in wanted:  # a slash in the path matches no route at all
            assert response.json()["type"].endswith("/blob-not-found")


async def test_only_machine_clients_with_the_scope(service):
    org = await agency(service)
    digest = hashlib.sha256(PNG).hexdigest()
    assert (await machine(service).post(BLOBS, files={"file": ("a.png", PNG)})).status_code == 201

    anonymous = await service.client.get(f"{BLOBS}/{digest}")
    assert anonymous.status_code == 401
    people = People(service, org)
    for client in (
        people.clerk,
        service.client_for(org, ["system_admin"]),
        machine(service, ("documents.read",)),
    ):
        read = await client.get(f"{BLOBS}/{digest}")
        assert read.status_code == 403, read.text
        assert read.json()["type"].endswith("/missing-scope")
        write = await client.post(BLOBS, files={"file": ("b.png", PNG + b"\x00")})
        assert write.status_code == 403
    assert await blob_rows(service) == 1


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("virus.pdf", EXE, 415, "executable-refused"),
        ("anh.pdf", PNG, 415, "disguised-file"),
        ("notes.txt", b"plain words, no known type", 415, "unsupported-file-type"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", 422, "malformed-upload"),
        ("empty.pdf", b"", 422, "malformed-upload"),
        ("big.png", PNG + b"\x00" * LIMIT, 413, "upload-too-large"),
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_kept(service, tmp_path, name, data, status, code):
    response = await machine(service).post(BLOBS, files={"file": (name, data)})
    assert response.status_code == status, response.text
    assert response.json()["type"].endswith("/" + code)
    assert await blob_rows(service) == 0
    assert stored_objects(tmp_path / "blobs") == []


async def test_not_multipart_is_refused(service, tmp_path):
    response = await machine(service).post(BLOBS, content=PNG, headers={"content-type": "image/png"})
    assert response.status_code == 415
    assert response.json()["type"].endswith("/not-multipart")
    assert stored_objects(tmp_path / "blobs") == []


async def test_an_incoming_copy_adopts_a_stored_content(service):
    """What egov-gateway does with a package from the axis: store, then routing's delivery names the digest."""
    sender = await agency(service, code="000.00.00.G22", name="Văn phòng Chính phủ")
    recipient = People(
        service, await agency(service, code="000.00.00.H26", name="Ủy ban nhân dân tỉnh Hà Nam")
    )
    pdf = sample_pdf("Van ban cua VPCP")
    digest = (await machine(service).post(BLOBS, files={"file": ("vb.pdf", pdf)})).json()["sha256"]
    ref = FileRef(
        file_id=uuid4(),
        sha256=digest,
        name="vb.pdf",
        content_type="application/pdf",
        size=len(pdf),
        main=True,
    )
    summary = DocumentSummary(
        document_id=uuid4(),
        exchange_id="000.00.00.G22,2026/11/20,7816/VPCP-TTĐT",
        org_code="000.00.00.G22",
        org_name="Văn phòng Chính phủ",
        number="7816",
        notation="VPCP-TTĐT",
        type_name="Công văn",
        issued_on=date(2026, 11, 20),
        subject="Về việc triển khai Nghị định 30/2020/NĐ-CP",
        files=[ref],
    )
    delivery = DeliveryCreated(
        delivery_id=uuid4(),
        dispatch_id=uuid4(),
        sender_org_id=sender,
        sender_org_code="000.00.00.G22",
        recipient_org_id=recipient.org_id,
        recipient_org_code="000.00.00.H26",
        recipient_external=False,
        document=summary,
        created_at=datetime.now(UTC),
    )
    await publish(service.bus, [delivery])
    listed = (await recipient.clerk.get("/api/v1/documents", params={"direction": "incoming"})).json()
    [copy] = listed["items"]
    assert copy["missing_files"] == []
    [attached] = (await recipient.clerk.get(f"/api/v1/documents/{copy['id']}/files")).json()
    assert (attached["sha256"], attached["main"]) == (digest, True)
    content = await recipient.clerk.get(f"/api/v1/documents/{copy['id']}/files/{attached['id']}/content")
    assert content.content == pdf
