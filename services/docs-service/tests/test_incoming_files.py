"""Incoming copies between two agencies of this installation carry the sender's files: the copy's own
rows on the same stored contents (stored once), downloadable with ranges, their signatures validated
and reported at intake, their text searchable; a content this installation does not hold is listed
as missing; a redelivered delivery adds nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from docs_service import models
from docs_service.commands import audit as audit_command
from docs_service.config import Settings
from docs_service.signature import service as signature_module
from kit_bus.testing import publish
from kit_contracts import DeliveryCreated, DocumentSummary, FileRef

from .docs_harness import People, agency, create, events, step
from .pdfs import pdf_with_text
from .sign_harness import altered, sample_pdf

B_CODE = "000.00.00.H26"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
async def agencies(service):
    a = People(service, await agency(service))
    b = People(
        service, await agency(service, code=B_CODE, short_name="UBND", name="Ủy ban nhân dân tỉnh Hà Nam")
    )
    return a, b


async def upload(client, document_id, name, data, *, main=False):
    response = await client.post(
        f"/api/v1/documents/{document_id}/files",
        files={"file": (name, data)},
        data={"main": "true"} if main else None,
    )
    assert response.status_code == 201, response.text
    return response.json()


def delivery_of(summary: dict, sender: People, recipient: People) -> DeliveryCreated:
    return DeliveryCreated(
        delivery_id=uuid4(),
        dispatch_id=uuid4(),
        sender_org_id=sender.org_id,
        sender_org_code=summary["org_code"],
        recipient_org_id=recipient.org_id,
        recipient_org_code=B_CODE,
        recipient_external=False,
        document=DocumentSummary.model_validate(summary),
        created_at=datetime.now(UTC),
    )


async def files_of(client, document_id):
    response = await client.get(f"/api/v1/documents/{document_id}/files")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


async def incoming(people: People):
    listed = (await people.clerk.get("/api/v1/documents", params={"direction": "incoming"})).json()
    return listed["items"]


async def count(service, model):
    return await service.scalar(select(func.count()).select_from(model))


async def issued_with_files(service, a: People):
    """A decision with a text PDF (signed by the leader, sealed) and a PNG annex, issued by ``a``."""
    doc = await create(a, subject="Về việc phòng chống lụt bão năm 2027")
    main = await upload(
        a.specialist,
        doc["id"],
        "quyet-dinh.pdf",
        pdf_with_text("Kế hoạch ứng phó bão số 3 tại huyện Đồng Hỷ"),
        main=True,
    )
    annex = await upload(a.specialist, doc["id"], "so-do.png", PNG)
    for role, action in (("specialist", "submit"), ("leader", "approve"), ("leader", "sign")):
        await step(getattr(a, role), doc["id"], action)
    await step(a.clerk, doc["id"], "seal")
    await step(a.clerk, doc["id"], "issue")
    [issued] = await events(service, "docs.document.issued.v1")
    return doc, main, annex, issued


async def test_a_signed_document_arrives_with_its_files_and_signature_report(service, agencies):
    a, b = agencies
    doc, main, annex, issued = await issued_with_files(service, a)
    a_files = await files_of(a.clerk, doc["id"])
    signed_main = (await a.clerk.get(f"/api/v1/documents/{doc['id']}/files/{main['id']}/content")).content
    blobs_before = await count(service, models.Blob)

    sent = delivery_of(issued["document"], a, b)
    await publish(service.bus, [sent, sent])  # redelivered: still one copy, one set of files
    [copy] = await incoming(b)
    assert copy["missing_files"] == []
    b_files = await files_of(b.clerk, copy["id"])
    assert [(f["name"], f["main"], f["content_type"]) for f in b_files] == [
        ("quyet-dinh.pdf", True, "application/pdf"),
        ("so-do.png", False, "image/png"),
    ]
    # B's copy has its own rows on the same contents; A's files stay A's.
    assert {f["id"] for f in b_files}.isdisjoint({f["id"] for f in a_files})
    assert [f["sha256"] for f in b_files] == [f["sha256"] for f in a_files]
    assert b_files[1]["sha256"] == annex["sha256"]
    assert all(f["document_id"] == copy["id"] for f in b_files)
    assert await files_of(a.clerk, doc["id"]) == a_files
    assert await count(service, models.Blob) == blobs_before  # stored once
    assert (
        await service.scalar(
            select(func.count())
            .select_from(models.DocumentFile)
            .where(models.DocumentFile.document_id == UUID(copy["id"]))
        )
        == 2
    )
    # Neither agency reaches the other's rows.
    foreign = await b.clerk.get(f"/api/v1/documents/{doc['id']}/files/{a_files[0]['id']}/content")
    assert foreign.status_code == 404
    crossed = await a.clerk.get(f"/api/v1/documents/{copy['id']}/files/{b_files[0]['id']}")
    assert crossed.status_code == 404

    # B's clerk downloads the very bytes A signed and sealed, whole and in part.
    content = await b.clerk.get(f"/api/v1/documents/{copy['id']}/files/{b_files[0]['id']}/content")
    assert content.status_code == 200
    assert content.content == signed_main
    assert content.headers["etag"].strip('"') == hashlib.sha256(signed_main).hexdigest()
    part = await b.clerk.get(
        f"/api/v1/documents/{copy['id']}/files/{b_files[0]['id']}/content", headers={"Range": "bytes=0-7"}
    )
    assert (part.status_code, part.content) == (206, signed_main[:8])

    # The signatures it carries were validated at intake: the leader's, then the seal, both good.
    report = (await b.clerk.get(f"/api/v1/documents/{copy['id']}/signatures")).json()
    assert report["all_valid"] is True
    assert [(s["field_name"], s["origin"], s["bottom_line"]) for s in report["items"]] == [
        ("PersonalSignature", "received", True),
        ("AgencySeal", "received", True),
    ]
    assert report["items"][0]["signer_common_name"] == "Trần Thị Bình"
    assert {s["file_id"] for s in report["items"]} == {b_files[0]["id"]}  # B's row, not A's

    # Its text is searchable for B (and only B's copy answers B).
    found = (await b.clerk.get("/api/v1/search", params={"q": "ung pho bao so 3 dong hy"})).json()
    assert [d["id"] for d in found["items"]] == [copy["id"]]

    # The arrival records the files in the history.
    history = (await b.clerk.get(f"/api/v1/documents/{copy['id']}/versions")).json()
    [received] = history["items"] if isinstance(history, dict) else history
    assert [f["sha256"] for f in received["changes"]["files"]["to"]] == [f["sha256"] for f in b_files]


async def test_an_invalid_signature_is_reported_never_refused(service, agencies):
    a, b = agencies
    # A PDF whose signed text was changed after signing (stored by A as an attachment elsewhere).
    doc = await create(a)
    await upload(a.specialist, doc["id"], "qd.pdf", sample_pdf(), main=True)
    await step(a.specialist, doc["id"], "submit")
    await step(a.leader, doc["id"], "approve")
    await step(a.leader, doc["id"], "sign")
    [signed] = [f for f in await files_of(a.clerk, doc["id"]) if f["main"]]
    data = (await a.clerk.get(f"/api/v1/documents/{doc['id']}/files/{signed['id']}/content")).content
    bad = altered(data)
    holder = await create(a)
    stored = await upload(a.specialist, holder["id"], "sua.pdf", bad)
    summary = {
        "document_id": str(uuid4()),
        "exchange_id": "000.00.00.H42,2026/11/27,15/QĐ-UBND",
        "org_code": "000.00.00.H42",
        "org_name": "Ủy ban nhân dân tỉnh Ninh Bình",
        "number": "15",
        "notation": "QĐ-UBND",
        "type_name": "Quyết định",
        "issued_on": "2026-11-27",
        "subject": "Về việc điều chỉnh kế hoạch",
        "files": [
            FileRef(
                file_id=uuid4(),
                sha256=stored["sha256"],
                name="qd.pdf",
                content_type="application/pdf",
                size=len(bad),
                main=True,
            ).model_dump(mode="json")
        ],
    }
    await publish(service.bus, [delivery_of(summary, a, b)])
    [copy] = await incoming(b)
    assert copy["status"] == "arrived"
    report = (await b.clerk.get(f"/api/v1/documents/{copy['id']}/signatures")).json()
    assert report["all_valid"] is False
    [found] = report["items"]
    assert (found["intact"], found["bottom_line"]) == (False, False)


async def test_a_content_not_stored_here_is_listed_as_missing(service, agencies, tmp_path, capsys):
    a, b = agencies
    doc = await create(a)
    present = await upload(a.specialist, doc["id"], "phu-luc.png", PNG)
    absent = FileRef(
        file_id=uuid4(),
        sha256=hashlib.sha256(b"fetched later by egov-gateway").hexdigest(),
        name="van-ban.pdf",
        content_type="application/pdf",
        size=1234,
        main=True,
    )
    summary = {
        "document_id": str(uuid4()),
        "exchange_id": "000.00.00.G22,2026/11/20,7816/VPCP-TTĐT",
        "org_code": "000.00.00.G22",
        "org_name": "Văn phòng Chính phủ",
        "number": "7816",
        "notation": "VPCP-TTĐT",
        "type_name": "Công văn",
        "issued_on": "2026-11-27",
        "subject": "Về việc triển khai Nghị định 30/2020/NĐ-CP",
        "files": [
            absent.model_dump(mode="json"),
            FileRef(
                file_id=uuid4(),
                sha256=present["sha256"],
                name="phu-luc.png",
                content_type="image/png",
                size=len(PNG),
            ).model_dump(mode="json"),
        ],
    }
    sent = delivery_of(summary, a, b)
    await publish(service.bus, [sent, sent])
    [copy] = await incoming(b)
    assert copy["status"] == "arrived"
    assert copy["missing_files"] == [absent.model_dump(mode="json")]
    full = (await b.clerk.get(f"/api/v1/documents/{copy['id']}")).json()
    assert full["missing_files"] == copy["missing_files"]
    [attached] = await files_of(b.clerk, copy["id"])
    assert (attached["name"], attached["sha256"], attached["main"]) == (
        "phu-luc.png",
        present["sha256"],
        False,
    )
    assert (await b.clerk.get(f"/api/v1/documents/{copy['id']}/signatures")).json()["items"] == []
    assert len(await events(service, "docs.incoming.received.v1")) == 1
    trail = (await b.clerk.get(f"/api/v1/documents/{copy['id']}/audit")).json()
    [received] = [e for e in trail if e["kind"] == "document.received"]
    assert received["detail"]["files"] == [{"file_id": attached["id"], "sha256": present["sha256"]}]
    assert received["detail"]["missing_files"] == [absent.sha256]
    settings = Settings(database_url=service.database_url, blob_dir=tmp_path / "blobs")
    assert await audit_command(settings, ["verify"]) == 0
    assert "intact" in capsys.readouterr().out


async def test_a_broadcast_batch_gives_every_copy_its_files_and_report_validating_each_content_once(
    service, agencies, monkeypatch
):
    a, b = agencies
    c = People(service, await agency(service, code="000.00.00.H40", name="Ủy ban nhân dân tỉnh Nam Định"))
    d = People(service, await agency(service, code="000.00.00.H60", name="Ủy ban nhân dân tỉnh Thanh Hóa"))
    _, _, _, issued = await issued_with_files(service, a)
    validations: list[int] = []
    real = signature_module.validate_pdf

    def counted(data, trust, **kw):
        validations.append(len(data))
        return real(data, trust, **kw)

    monkeypatch.setattr(signature_module, "validate_pdf", counted)
    rows_before = await count(service, models.DocumentFile)

    await publish(service.bus, [delivery_of(issued["document"], a, x) for x in (b, c, d)])  # one batch

    assert len(validations) == 1  # the signed PDF the three copies share, validated once
    assert await count(service, models.DocumentFile) == rows_before + 3 * 2
    for x in (b, c, d):
        [copy] = await incoming(x)
        assert copy["missing_files"] == []
        assert [f["name"] for f in await files_of(x.clerk, copy["id"])] == ["quyet-dinh.pdf", "so-do.png"]
        report = (await x.clerk.get(f"/api/v1/documents/{copy['id']}/signatures")).json()
        assert report["all_valid"] is True
        assert [s["field_name"] for s in report["items"]] == ["PersonalSignature", "AgencySeal"]
        found = (await x.clerk.get("/api/v1/search", params={"q": "dong hy"})).json()
        assert [h["id"] for h in found["items"]] == [copy["id"]]
