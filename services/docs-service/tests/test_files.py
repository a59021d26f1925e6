"""Files: streamed into a content-addressed store, typed by content, once per digest, attached to
drafts only; downloads with the right headers and ranges; refusals leave nothing behind; the
verify command finds changed and missing objects."""

import hashlib
import io
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from docs_service import models
from docs_service.commands import files as files_command
from docs_service.config import Settings

from .docs_harness import People, agency, create, events, step
from .sign_harness import sample_pdf

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
LIMIT = 2 * 1024 * 1024  # conftest's max_file_bytes


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


@pytest.fixture
async def people(service):
    return People(service, await agency(service))


@pytest.fixture
def blobs(tmp_path):
    return tmp_path / "blobs"


def stored_objects(blobs: Path) -> list[Path]:
    return [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []


async def count(service, model):
    return await service.scalar(select(func.count()).select_from(model))


async def upload(client, document_id, name, data, *, main=None):
    form = {"main": "true"} if main else None
    return await client.post(
        f"/api/v1/documents/{document_id}/files", files={"file": (name, data)}, data=form
    )


async def test_upload_download_and_ranges(service, people, blobs):
    doc = await create(people)
    name = "../../Tờ  trình số 05<>?.pdf"
    response = await upload(people.specialist, doc["id"], name, PDF, main=True)
    assert response.status_code == 201, response.text
    attached = response.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (attached["sha256"], attached["size"], attached["main"]) == (digest, len(PDF), True)
    assert (attached["name"], attached["content_type"]) == ("Tờ trình số 05.pdf", "application/pdf")
    assert stored_objects(blobs) == [blobs / digest[:2] / digest[2:4] / digest]

    versions = (await people.specialist.get(f"/api/v1/documents/{doc['id']}/versions")).json()
    assert [v["action"] for v in versions] == ["created", "file_added"]

    url = f"/api/v1/documents/{doc['id']}/files/{attached['id']}/content"
    full = await people.clerk.get(url)
    assert full.status_code == 200
    assert full.content == PDF
    assert full.headers["content-type"] == "application/pdf"
    assert full.headers["etag"] == f'"{digest}"'
    assert full.headers["accept-ranges"] == "bytes"
    assert full.headers["content-disposition"] == (
        "attachment; filename=\"To trinh so 05.pdf\"; filename*=UTF-8''"
        + quote("Tờ trình số 05.pdf", safe="")
    )
    part = await people.clerk.get(url, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206
    assert part.content == PDF[:8]
    assert part.headers["content-range"] == f"bytes 0-7/{len(PDF)}"
    tail = await people.clerk.get(url, headers={"Range": "bytes=-6"})
    assert (tail.status_code, tail.content) == (206, PDF[-6:])
    outside = await people.clerk.get(url, headers={"Range": f"bytes={len(PDF) + 10}-"})
    assert outside.status_code == 416
    assert outside.headers["content-type"] == "application/problem+json"
    assert outside.headers["content-range"] == f"bytes */{len(PDF)}"
    for bad in ("lines=0-5", "bytes=5-2", "bytes=a-b", "bytes=-"):
        malformed = await people.clerk.get(url, headers={"Range": bad})
        assert malformed.status_code == 400, bad
        assert malformed.json()["type"].endswith("/malformed-range")
    stale = await people.clerk.get(url, headers={"Range": f"bytes={len(PDF) + 10}-", "If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, PDF)
    fresh = await people.clerk.get(url, headers={"Range": "bytes=0-3", "If-Range": f'"{digest}"'})
    assert (fresh.status_code, fresh.content) == (206, PDF[:4])
    two = await people.clerk.get(url, headers={"Range": "bytes=0-1,4-5"})
    assert two.status_code == 206
    assert two.headers["content-type"].startswith("multipart/byteranges")

    listed = (await people.leader.get(f"/api/v1/documents/{doc['id']}/files")).json()
    assert [f["id"] for f in listed] == [attached["id"]]


async def test_the_same_content_is_stored_once(service, people, blobs):
    first, second = await create(people), await create(people)
    a = await upload(people.specialist, first["id"], "a.docx", DOCX)
    again = await upload(people.specialist, first["id"], "b.docx", DOCX)
    b = await upload(people.leader, second["id"], "c.docx", DOCX)
    assert (a.status_code, again.status_code, b.status_code) == (201, 200, 201)
    assert again.json() == a.json()
    assert (
        a.json()["content_type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert a.json()["sha256"] == b.json()["sha256"]
    assert len(stored_objects(blobs)) == 1
    assert await count(service, models.Blob) == 1
    assert await count(service, models.DocumentFile) == 2


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("quyet-dinh.pdf", EXE, 415, "executable-refused"),
        ("setup.exe", EXE, 415, "executable-refused"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", 415, "executable-refused"),
        ("anh.pdf", PNG, 415, "disguised-file"),
        ("van-ban.docx", zipped({"a.txt": "x"}), 415, "disguised-file"),
        ("ghi-chu.txt", b"just some text", 415, "unsupported-file-type"),
        ("cat-ngang.pdf", PDF[:-7], 422, "malformed-upload"),
        ("hong.zip", b"PK\x03\x04" + b"\x00" * 40, 422, "malformed-upload"),
        ("rong.pdf", b"", 422, "malformed-upload"),
    ],
)
async def test_refused_uploads_store_nothing(service, people, blobs, name, data, status, code):
    doc = await create(people)
    response = await upload(people.specialist, doc["id"], name, data)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + code)
    assert stored_objects(blobs) == []
    assert await count(service, models.Blob) == 0
    assert await count(service, models.DocumentFile) == 0
    assert (await people.specialist.get(f"/api/v1/documents/{doc['id']}")).json()["version"] == 1


async def test_oversized_uploads_are_refused_early_or_midway(service, people, blobs):
    doc = await create(people)
    slightly = PDF[:-6] + b"\x00" * (LIMIT - len(PDF) + 10) + b"%%EOF\n"  # over the limit, under the slack
    midway = await upload(people.specialist, doc["id"], "lon.pdf", slightly)
    assert midway.status_code == 413
    assert midway.json()["type"].endswith("/upload-too-large")
    assert midway.json()["limit"] == LIMIT
    early = await upload(people.specialist, doc["id"], "rat-lon.pdf", b"\x00" * (LIMIT + 200_000))
    assert early.status_code == 413
    assert stored_objects(blobs) == []
    exact = PDF[:-6] + b"\x00" * (LIMIT - len(PDF)) + b"%%EOF\n"
    assert len(exact) == LIMIT
    assert (await upload(people.specialist, doc["id"], "vua.pdf", exact)).status_code == 201


async def test_malformed_requests_are_problems(service, people, blobs):
    doc = await create(people)
    url = f"/api/v1/documents/{doc['id']}/files"
    not_form = await people.specialist.post(url, json={"file": "x"})
    assert not_form.status_code == 415
    assert not_form.json()["type"].endswith("/not-multipart")
    no_file = await people.specialist.post(url, files={"other": ("a.pdf", PDF)})
    assert no_file.status_code == 422
    assert no_file.json()["type"].endswith("/malformed-upload")
    two = await people.specialist.post(url, files=[("file", ("a.pdf", PDF)), ("file", ("b.pdf", PDF))])
    assert two.status_code == 422
    bad_main = await people.specialist.post(url, files={"file": ("a.pdf", PDF)}, data={"main": "có"})
    assert bad_main.status_code == 422
    cut = await people.specialist.post(
        url,
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4',
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert cut.status_code == 422
    assert stored_objects(blobs) == []
    assert await count(service, models.DocumentFile) == 0


async def test_main_file_rules(service, people):
    doc = await create(people)
    png = await upload(people.specialist, doc["id"], "anh.png", PNG, main=True)
    assert png.status_code == 422
    assert png.json()["type"].endswith("/main-file-not-pdf")
    assert (await upload(people.specialist, doc["id"], "chinh.pdf", PDF, main=True)).status_code == 201
    other = PDF.replace(b"Catalog", b"Catalogue")
    second = await upload(people.specialist, doc["id"], "khac.pdf", other, main=True)
    assert second.status_code == 409
    assert second.json()["type"].endswith("/main-file-exists")


async def test_files_only_on_drafts_by_drafters_of_the_agency(service, people, blobs):
    doc = await create(people)
    clerk = await upload(people.clerk, doc["id"], "a.pdf", PDF)
    assert clerk.status_code == 403
    attached = (await upload(people.specialist, doc["id"], "a.pdf", PDF, main=True)).json()
    await step(people.specialist, doc["id"], "submit")
    late = await upload(people.specialist, doc["id"], "b.png", PNG)
    assert late.status_code == 409
    assert late.json()["type"].endswith("/document-not-editable")
    removed = await people.specialist.delete(f"/api/v1/documents/{doc['id']}/files/{attached['id']}")
    assert removed.status_code == 409
    assert len(stored_objects(blobs)) == 1

    other = People(service, await agency(service, code="000.00.15.H42"))
    for path in (
        f"/api/v1/documents/{doc['id']}/files",
        f"/api/v1/documents/{doc['id']}/files/{attached['id']}",
        f"/api/v1/documents/{doc['id']}/files/{attached['id']}/content",
    ):
        assert (await other.clerk.get(path)).status_code == 404
    foreign = await upload(other.specialist, doc["id"], "x.png", PNG)
    assert foreign.status_code == 404
    assert len(stored_objects(blobs)) == 1


async def test_a_draft_file_can_be_removed(service, people):
    doc = await create(people)
    attached = (await upload(people.specialist, doc["id"], "a.png", PNG)).json()
    removed = await people.leader.delete(f"/api/v1/documents/{doc['id']}/files/{attached['id']}")
    assert removed.status_code == 204
    assert (await people.leader.get(f"/api/v1/documents/{doc['id']}/files")).json() == []
    versions = (await people.leader.get(f"/api/v1/documents/{doc['id']}/versions")).json()
    assert [v["action"] for v in versions] == ["created", "file_added", "file_removed"]
    gone = await people.leader.get(f"/api/v1/documents/{doc['id']}/files/{attached['id']}")
    assert gone.status_code == 404
    assert gone.json()["type"].endswith("/file-not-found")


async def test_the_issued_summary_lists_the_files(service, people):
    doc = await create(people)
    main = (await upload(people.specialist, doc["id"], "qd.pdf", sample_pdf(), main=True)).json()
    annex = (await upload(people.specialist, doc["id"], "phu-luc.docx", DOCX)).json()
    await step(people.specialist, doc["id"], "submit")
    await step(people.leader, doc["id"], "approve")
    await step(people.leader, doc["id"], "sign")
    await step(people.clerk, doc["id"], "seal")
    await step(people.clerk, doc["id"], "issue")
    [issued_event] = await events(service, "docs.document.issued.v1")
    refs = issued_event["document"]["files"]
    # The main file went out signed and sealed: the same file, a new version of its content.
    signed = await people.clerk.get(f"/api/v1/documents/{doc['id']}/files/{main['id']}")
    assert signed.json()["sha256"] != main["sha256"]
    assert [(f["file_id"], f["main"], f["sha256"]) for f in refs] == [
        (main["id"], True, signed.json()["sha256"]),
        (annex["id"], False, annex["sha256"]),
    ]


async def test_verify_reports_changed_and_missing(service, people, blobs, capsys):
    doc = await create(people)
    pdf = (await upload(people.specialist, doc["id"], "a.pdf", PDF)).json()
    png = (await upload(people.specialist, doc["id"], "b.png", PNG)).json()
    settings = Settings(database_url=service.database_url, blob_dir=blobs)
    assert await files_command(settings, ["verify"]) == 0
    assert '"checked":2,"ok":2' in capsys.readouterr().out

    tampered = blobs / pdf["sha256"][:2] / pdf["sha256"][2:4] / pdf["sha256"]
    tampered.chmod(0o644)
    tampered.write_bytes(PDF.replace(b"1.4", b"1.7"))
    (blobs / png["sha256"][:2] / png["sha256"][2:4] / png["sha256"]).unlink()
    assert await files_command(settings, ["verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f'{{"sha256": "{pdf["sha256"]}", "problem": "changed"}}' in lines
    assert f'{{"sha256": "{png["sha256"]}", "problem": "missing"}}' in lines
    assert '"checked":2,"ok":0' in lines[-1]
    assert '"unreferenced":[]' in lines[-1]

    stray = hashlib.sha256(b"left by a rolled-back upload").hexdigest()
    (blobs / stray[:2] / stray[2:4]).mkdir(parents=True)
    (blobs / stray[:2] / stray[2:4] / stray).write_bytes(b"left by a rolled-back upload")
    await files_command(settings, ["verify"])
    assert f'"unreferenced":["{stray}"]' in capsys.readouterr().out
    missing = await people.clerk.get(f"/api/v1/documents/{doc['id']}/files/{png['id']}/content")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\an\\Tờ trình.pdf", "Tờ trình.pdf"),
        ("a\x00b\x1f\x7fc.pdf", "abc.pdf"),
        ("  ..ẩn.pdf  ", "ẩn.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("nul", "_nul"),
        ("Tơ\u0300 trình.pdf", "Tờ trình.pdf"),  # NFC
        ("../..", "tep-dinh-kem"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_names_are_sanitised(given, kept):
    from docs_service.file.service import sanitise

    assert sanitise(given) == kept
