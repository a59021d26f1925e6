"""Issue 7's acceptance loop through the national axis, on `make run`'s stack: the embedded host
(identity, routing, docs, notify, egov-gateway and the axis sandbox in one process, SQLite and the
in-process bus) started as `python -m embedded_host`, driven only through its public HTTP paths by
people who sign in (password + TOTP), and by the sandbox's admin routes playing the ministries.

1. The province drafts, signs, seals and issues a document with a PDF in docs-service and dispatches
   it in routing-service to Văn phòng Chính phủ, an agency reached through the axis: egov-gateway
   sends a signed edXML package; the sandbox answers 01, 03, 05, 06, which reach the sender's trail.
2. Văn phòng Chính phủ (the sandbox) sends a document with a signed PDF to a commune: egov-gateway
   polls it in, routing makes the delivery, docs-service the commune's incoming copy, whose arrival
   (01) goes back to the axis as a status package.
3. Văn phòng Chính phủ recalls it: the commune's copy is flagged, the recall delivery is in its inbox,
   the clerk agrees (15), and the sandbox receives our signed status package 15.

The sandbox's central agencies answer after `EMBEDDED_AXIS_ACK_DELAY` seconds each, and egov-gateway
polls the axis every `EGOV_INBOUND_POLL_SECONDS` / sends every `EGOV_OUTBOUND_POLL_SECONDS`: all
short here, so the loop takes seconds and waits only on `eventually`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fpdf import FPDF
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from docs_service.signature.devca import DevCA
from egov_gateway.exchange import parse_document
from identity_service.user.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET
from kit_bus.testing import eventually
from tests.journey.flow import add_user, bearer, free_port, sign_in
from tests.support import ROOT

GOVERNMENT_OFFICE = "000.00.00.G22"  # Văn phòng Chính phủ: external, played by the sandbox
COMMUNE = "000.02.15.H42"  # Ủy ban nhân dân xã Kim Chính (Kim Sơn), in the small demo tenant
DISTRICT = "000.00.15.H42"  # Ủy ban nhân dân huyện Kim Sơn, with its demo users (kimson.*)
SANDBOX = "/axis-sandbox"
SANDBOX_ADMIN = {"X-Axis-Admin-Token": "sandbox-admin"}  # the sandbox's default admin switch
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FAST = {
    "EMBEDDED_AXIS_ACK_DELAY": "0.2",
    "EGOV_INBOUND_POLL_SECONDS": "0.2",
    "EGOV_OUTBOUND_POLL_SECONDS": "0.2",
}
WITHIN = 30.0


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`make run` on a fresh var folder and a free port, with the axis answering quickly."""
    port, var = free_port(), tmp_path / "var"
    log_path = tmp_path / "host.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "embedded_host", "--var", str(var), "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **FAST},
        )
        try:
            yield f"http://127.0.0.1:{port}", var
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            # Shown by pytest only when the test failed: what the host said last (without the font
            # subsetter's chatter).
            lines = [
                line
                for line in log_path.read_text(errors="replace").splitlines(True)
                if "fontTools" not in line
            ]
            sys.stdout.write("".join(lines[-60:]))


async def ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/egov/readyz")).status_code == 200  # egov starts last
    except httpx.TransportError:
        return False


def ok(response: httpx.Response, status: int | tuple[int, ...] = (200, 201)) -> Any:
    expected = (status,) if isinstance(status, int) else status
    assert response.status_code in expected, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json()


def a_pdf(*lines: str) -> bytes:
    """A one-page PDF with a Vietnamese text layer."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 8, line)
        pdf.ln()
    return bytes(pdf.output())


async def signed_by_the_ministry(pdf: bytes, ca_folder: Path, work: Path) -> bytes:
    """``pdf`` signed (PAdES, pyHanko) with a key whose certificate the development CA issued to
    Văn phòng Chính phủ: the CA docs-service trusts outside production. Only the CA's root is read."""
    ca = DevCA(ca_folder)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = ca.certificate_for(
        key.public_key(), common_name="Văn phòng Chính phủ", organisation="Văn phòng Chính phủ"
    )
    key_file, cert_file = work / "vpcp.key.pem", work / "vpcp.cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    signer = signers.SimpleSigner.load(str(key_file), str(cert_file), ca_chain_files=(str(ca.root_path),))
    assert signer is not None
    out = await signers.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name="ChuKyVanPhongChinhPhu"),
        signer=signer,
    )
    return out.getvalue()


async def sandbox_messages(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list(ok(await client.get(f"{SANDBOX}/admin/edocs", headers=SANDBOX_ADMIN))["items"])


async def issue_with_pdf(
    client: httpx.AsyncClient,
    specialist: dict[str, str],
    leader: dict[str, str],
    clerk: dict[str, str],
    pdf: bytes,
    subject: str,
) -> dict[str, Any]:
    """Draft → main PDF → submit → approve → sign (the leader's key) → seal (the agency's) → issue."""
    doc = ok(
        await client.post(
            "/api/v1/documents",
            headers=specialist,
            json={
                "type_code": "cong_van",
                "subject": subject,
                "urgency": "khan",
                "confidentiality": "thuong",
                "signer_competence": "KT.",
                "signer_position": "Phó Chủ tịch",
                "signer_name": "Đinh Văn Đạo",
                "place": "Ninh Bình",
                "drafting_unit": "VP",
            },
        ),
        201,
    )
    ok(
        await client.post(
            f"/api/v1/documents/{doc['id']}/files",
            headers=specialist,
            files={"file": ("cong-van.pdf", pdf, "application/pdf")},
            data={"main": "true"},
        ),
        201,
    )
    for who, step in (
        (specialist, "submit"),
        (leader, "approve"),
        (leader, "sign"),
        (clerk, "seal"),
        (clerk, "issue"),
    ):
        doc = ok(await client.post(f"/api/v1/documents/{doc['id']}/{step}", headers=who), 200)
    assert doc["status"] == "issued"
    return dict(doc)


async def part_one_to_the_government_office(
    client: httpx.AsyncClient, tinh: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """A province document through the axis to Văn phòng Chính phủ; its 01, 03, 05, 06 come back."""
    clerk = tinh["vanthu"]
    pdf = a_pdf("ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", "Báo cáo kết quả chuyển đổi số năm 2026")
    subject = "V/v báo cáo kết quả chuyển đổi số năm 2026"
    doc = await issue_with_pdf(client, tinh["chuyenvien"], tinh["lanhdao"], clerk, pdf, subject)
    signatures = ok(await client.get(f"/api/v1/documents/{doc['id']}/signatures", headers=clerk), 200)
    assert [s["kind"] for s in signatures["items"]] == ["personal", "agency"]  # the leader's, then the seal
    assert signatures["all_valid"], signatures

    async def dispatched() -> dict[str, Any] | None:
        response = await client.post(
            "/api/v1/dispatches",
            headers={**clerk, "Idempotency-Key": f"loop-{doc['id']}"},
            json={"document_id": doc["id"], "recipients": {"codes": [GOVERNMENT_OFFICE]}},
        )
        if response.status_code == 404 and response.json()["type"].endswith("/document-not-issued"):
            return None  # the issue has not reached routing's replica yet
        return dict(ok(response, 201))

    dispatch = await eventually(dispatched, within=WITHIN, interval=0.1)
    [delivery] = dispatch["deliveries"]
    assert delivery["recipient_code"] == GOVERNMENT_OFFICE
    assert delivery["external"] is True
    assert dispatch["exchange_id"] == doc["exchange_id"]

    async def completed() -> dict[str, Any] | None:
        found = ok(await client.get(f"/api/v1/deliveries/{delivery['id']}", headers=clerk), 200)
        return dict(found) if found["status"] == "06" else None

    done = await eventually(completed, within=WITHIN, interval=0.2)
    assert [entry["code"] for entry in done["trail"]] == ["01", "03", "05", "06"]
    assert done["transport"] == "sent"
    assert done["trail"][0]["name"] == "Đã đến"
    assert done["trail"][-1]["name"] == "Hoàn thành"
    # The same trail on the sender's dispatch view.
    view = ok(await client.get(f"/api/v1/dispatches/{dispatch['id']}", headers=clerk), 200)
    assert [entry["code"] for entry in view["deliveries"][0]["trail"]] == ["01", "03", "05", "06"]

    # egov-gateway's evidence: the signed package it sent, byte for byte what the axis holds.
    [package] = ok(
        await client.get("/api/v1/exchange/packages", headers=clerk, params={"delivery_id": delivery["id"]}),
        200,
    )
    assert (package["direction"], package["kind"], package["state"]) == ("out", "document", "sent")
    assert package["exchange_id"] == doc["exchange_id"]
    raw = await client.get(f"/api/v1/exchange/packages/{package['id']}/raw", headers=clerk)
    assert raw.status_code == 200, raw.text
    assert raw.headers["x-signature-status"] == "valid"
    assert raw.headers["x-content-sha256"] == hashlib.sha256(raw.content).hexdigest()
    held = {m["doc_id"]: m for m in await sandbox_messages(client)}
    received = held[package["axis_doc_id"]]
    assert received["signature"] == "valid"  # the sandbox checked our XML signature on arrival
    assert received["sha256"] == raw.headers["x-content-sha256"]
    assert received["recipients"] == {GOVERNMENT_OFFICE: "done"}
    on_the_axis = await client.get(f"{SANDBOX}/admin/edocs/{package['axis_doc_id']}", headers=SANDBOX_ADMIN)
    assert on_the_axis.content == raw.content
    await the_package_carries_the_signed_pdf(client, clerk, doc, on_the_axis.content)
    # The four answers are evidence too, each a signed status package for our document.
    answers = ok(
        await client.get(
            "/api/v1/exchange/packages",
            headers=clerk,
            params={"direction": "in", "agency": GOVERNMENT_OFFICE},
        ),
        200,
    )
    assert sorted((p["status_code"], p["exchange_id"]) for p in answers if p["kind"] == "status") == [
        (code, doc["exchange_id"]) for code in ("01", "03", "05", "06")
    ]
    return {"document": doc, "dispatch": dispatch}


async def the_package_carries_the_signed_pdf(
    client: httpx.AsyncClient, clerk: dict[str, str], doc: dict[str, Any], package: bytes
) -> None:
    """The package the axis received carries the issued document's main file, the PDF as signed and
    sealed in docs-service, byte for byte (AttachmentEncoded, base64)."""
    [main] = [
        f
        for f in ok(await client.get(f"/api/v1/documents/{doc['id']}/files", headers=clerk), 200)
        if f["main"]
    ]
    content = await client.get(f"/api/v1/documents/{doc['id']}/files/{main['id']}/content", headers=clerk)
    assert content.status_code == 200, content.text
    [attachment] = parse_document(package).attachments
    assert (attachment.content_id, attachment.name, attachment.content_type) == (
        "1",
        main["name"],
        "application/pdf",
    )
    assert attachment.content == content.content
    assert hashlib.sha256(attachment.content).hexdigest() == main["sha256"]


async def part_two_from_the_government_office(
    client: httpx.AsyncClient, commune_clerk: dict[str, str], pdf: bytes
) -> dict[str, Any]:
    """Văn phòng Chính phủ sends a document with a signed PDF to the commune; it lands in its inbox."""
    number = str(random.randrange(100, 9999))
    notation = "VPCP-KSTT"
    subject = "V/v đẩy mạnh gửi, nhận văn bản điện tử qua Trục liên thông văn bản quốc gia"
    sent = ok(
        await client.post(
            f"{SANDBOX}/admin/send",
            headers=SANDBOX_ADMIN,
            json={
                "from_code": GOVERNMENT_OFFICE,
                "to": [COMMUNE],
                "number": number,
                "notation": notation,
                "type_name": "Công văn",
                "subject": subject,
                "attachments": [
                    {
                        "name": "cong-van-vpcp.pdf",
                        "content_type": "application/pdf",
                        "content_b64": base64.b64encode(pdf).decode(),
                    }
                ],
            },
        ),
        201,
    )
    exchange_id = sent["document_id"]

    async def in_inbox() -> dict[str, Any] | None:
        found = ok(await client.get("/api/v1/inbox", headers=commune_clerk), 200)
        mine = [d for d in found if d["document"]["exchange_id"] == exchange_id and d["business_type"] == "0"]
        return dict(mine[0]) if mine and mine[0]["status"] == "01" else None

    delivery = await eventually(in_inbox, within=WITHIN, interval=0.2)
    assert delivery["sender_code"] == GOVERNMENT_OFFICE
    assert delivery["sender_name"] == "Văn phòng Chính phủ"
    assert delivery["recipient_code"] == COMMUNE
    assert delivery["external"] is False
    assert (delivery["document"]["number"], delivery["document"]["notation"]) == (number, notation)
    assert delivery["document"]["subject"] == subject
    assert [entry["code"] for entry in delivery["trail"]] == ["01"]  # docs-service made the copy

    async def the_copy() -> dict[str, Any] | None:
        page = ok(
            await client.get("/api/v1/documents", headers=commune_clerk, params={"direction": "incoming"}),
            200,
        )
        mine = [d for d in page["items"] if d["delivery_id"] == delivery["id"]]
        return dict(mine[0]) if mine else None

    copy = await eventually(the_copy, within=WITHIN, interval=0.2)
    assert copy["status"] == "arrived"
    assert (copy["sender_org_code"], copy["sender_name"]) == (GOVERNMENT_OFFICE, "Văn phòng Chính phủ")
    assert copy["code"] == f"{number}/{notation}"
    assert (copy["subject"], copy["exchange_id"], copy["type_name"]) == (subject, exchange_id, "Công văn")

    # egov-gateway's evidence of the package: the commune may read it, and its signature check.
    [package] = [
        p
        for p in ok(
            await client.get(
                "/api/v1/exchange/packages",
                headers=commune_clerk,
                params={"direction": "in", "agency": GOVERNMENT_OFFICE},
            ),
            200,
        )
        if p["kind"] == "document" and p["exchange_id"] == exchange_id
    ]
    assert package["state"] == "received"
    assert package["business_type"] == "0"
    raw = await client.get(f"/api/v1/exchange/packages/{package['id']}/raw", headers=commune_clerk)
    assert raw.status_code == 200, raw.text
    assert raw.headers["x-signature-status"] == "valid"  # signed by the axis peer's key

    await files_arrived_on_the_copy(client, commune_clerk, delivery, copy, package, pdf)

    # Our arrival (01) went back to Văn phòng Chính phủ as a signed status package.
    async def arrival_reported() -> list[dict[str, Any]] | None:
        found = [
            m
            for m in await sandbox_messages(client)
            if m["message_type"] == "status" and m["response_for"] == exchange_id and m["from"] == COMMUNE
        ]
        return found or None

    [arrival] = await eventually(arrival_reported, within=WITHIN, interval=0.2)
    assert (arrival["status_code"], arrival["signature"]) == ("01", "valid")
    assert arrival["recipients"] == {GOVERNMENT_OFFICE: "done"}
    return {
        "exchange_id": exchange_id,
        "number": number,
        "notation": notation,
        "delivery": delivery,
        "copy": copy,
    }


async def files_arrived_on_the_copy(
    client: httpx.AsyncClient,
    commune_clerk: dict[str, str],
    delivery: dict[str, Any],
    copy: dict[str, Any],
    package: dict[str, Any],
    pdf: bytes,
) -> None:
    """egov-gateway hands an inbound package's attachments to docs-service: the copy has the file,
    byte for byte, and docs-service validated the PDF's signature at intake (the development CA's
    certificate of Văn phòng Chính phủ: intact, valid, trusted)."""
    assert copy["missing_files"] == []
    [file] = ok(await client.get(f"/api/v1/documents/{copy['id']}/files", headers=commune_clerk), 200)
    assert (file["name"], file["sha256"], file["size"]) == (
        "cong-van-vpcp.pdf",
        hashlib.sha256(pdf).hexdigest(),
        len(pdf),
    )
    assert file["content_type"] == "application/pdf"
    assert file["main"] is True
    content = await client.get(
        f"/api/v1/documents/{copy['id']}/files/{file['id']}/content", headers=commune_clerk
    )
    assert content.status_code == 200, content.text
    assert content.content == pdf
    report = ok(await client.get(f"/api/v1/documents/{copy['id']}/signatures", headers=commune_clerk), 200)
    [signature] = report["items"]
    assert signature["file_id"] == file["id"]
    assert signature["origin"] == "received"
    assert signature["signer_common_name"] == "Văn phòng Chính phủ"
    assert (signature["intact"], signature["valid"], signature["trusted"]) == (True, True, True)
    assert signature["bottom_line"] is True, signature
    assert report["all_valid"] is True
    # routing's delivery lists the file as the package carried it, and egov-gateway serves the same
    # bytes from its evidence under that id.
    [ref] = delivery["document"]["files"]
    assert (ref["sha256"], ref["name"], ref["size"]) == (file["sha256"], file["name"], file["size"])
    served = await client.get(
        f"/api/v1/exchange/packages/{package['id']}/files/{ref['file_id']}", headers=commune_clerk
    )
    assert served.status_code == 200, served.text
    assert served.content == pdf


async def part_three_recall(
    client: httpx.AsyncClient, commune_clerk: dict[str, str], received: dict[str, Any]
) -> None:
    """Văn phòng Chính phủ recalls it; the commune agrees (15), which goes back through the axis."""
    exchange_id = received["exchange_id"]
    ok(
        await client.post(
            f"{SANDBOX}/admin/send",
            headers=SANDBOX_ADMIN,
            json={
                "from_code": GOVERNMENT_OFFICE,
                "to": [COMMUNE],
                "business_type": "1",
                "number": received["number"],
                "notation": received["notation"],
                "document_id": exchange_id,
                "reason": "Thu hồi để đính chính thể thức văn bản",
            },
        ),
        201,
    )

    async def flagged() -> dict[str, Any] | None:
        copy = ok(await client.get(f"/api/v1/documents/{received['copy']['id']}", headers=commune_clerk), 200)
        return dict(copy) if copy["flags"] else None

    copy = await eventually(flagged, within=WITHIN, interval=0.2)
    [flag] = copy["flags"]
    assert (flag["kind"], flag["exchange_id"]) == ("revoke", exchange_id)  # its note: see the last test
    assert copy["status"] == "arrived"  # flagged for the clerk, never rewritten

    recall = ok(await client.get(f"/api/v1/deliveries/{flag['delivery_id']}", headers=commune_clerk), 200)
    assert recall["business_type"] == "1"
    assert recall["revokes_delivery_id"] == received["delivery"]["id"]
    assert recall["sender_code"] == GOVERNMENT_OFFICE
    assert recall["status"] is None

    answered = ok(
        await client.post(
            f"/api/v1/deliveries/{recall['id']}/recall-answer",
            headers=commune_clerk,
            json={"accept": True, "note": "Đồng ý thu hồi"},
        ),
        200,
    )
    assert answered["status"] == "15"
    assert [e["code"] for e in answered["trail"]] == ["15"]

    async def agreement_reported() -> dict[str, Any] | None:
        found = [
            m
            for m in await sandbox_messages(client)
            if m["message_type"] == "status"
            and m["response_for"] == exchange_id
            and m["from"] == COMMUNE
            and m["status_code"] == "15"
        ]
        return found[0] if found else None

    agreement = await eventually(agreement_reported, within=WITHIN, interval=0.2)
    assert agreement["signature"] == "valid"
    assert agreement["recipients"] == {GOVERNMENT_OFFICE: "done"}


async def test_the_external_loop_through_the_axis_sandbox(embedded, tmp_path):
    base, var = embedded
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await eventually(lambda: ready(client), within=60, interval=0.2)
        admin = bearer(await sign_in(client, "quantri", DEMO_PASSWORD, DEMO_TOTP_SECRET))
        tinh = {
            role: bearer(await sign_in(client, f"tinh.{role}", DEMO_PASSWORD, DEMO_TOTP_SECRET))
            for role in ("chuyenvien", "lanhdao", "vanthu")
        }

        await part_one_to_the_government_office(client, tinh)

        # The commune's clerk: a user the system administrator adds, who signs in herself.
        [commune] = ok(await client.get("/api/v1/orgs", headers=admin, params={"q": COMMUNE}), 200)
        assert commune["code"] == COMMUNE
        assert commune["tier"] == "commune"
        password = "Văn thư xã Kim Chính 2026"  # noqa: S105 - test data
        await add_user(
            client,
            admin,
            username="kimchinh.vanthu",
            full_name="Trần Thị Hồng",
            agency_id=commune["id"],
            roles=["clerk"],
            password=password,
            email="vanthu@kimchinh.ninhbinh.gov.vn",
        )
        commune_clerk = bearer(await sign_in(client, "kimchinh.vanthu", password))

        # A PDF signed with a certificate of the development CA, which docs-service created when the
        # province signed above (its folder is under the host's var).
        pdf = await signed_by_the_ministry(
            a_pdf("VĂN PHÒNG CHÍNH PHỦ", "Về việc đẩy mạnh gửi, nhận văn bản điện tử"),
            var / "signing" / "docs" / "ca",
            tmp_path,
        )
        received = await part_two_from_the_government_office(client, commune_clerk, pdf)
        await part_three_recall(client, commune_clerk, received)


async def test_the_reason_of_a_recall_reaches_the_clerk(embedded):
    """Why Văn phòng Chính phủ recalls a document is what the clerk reads on the flag."""
    base, _ = embedded
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await eventually(lambda: ready(client), within=60, interval=0.2)
        clerk = bearer(await sign_in(client, "kimson.vanthu", DEMO_PASSWORD, DEMO_TOTP_SECRET))
        order = {"from_code": GOVERNMENT_OFFICE, "to": [DISTRICT], "number": "88", "notation": "VPCP-TCCV"}
        sent = ok(await client.post(f"{SANDBOX}/admin/send", headers=SANDBOX_ADMIN, json=order), 201)

        async def the_copy() -> dict[str, Any] | None:
            page = ok(
                await client.get("/api/v1/documents", headers=clerk, params={"direction": "incoming"}), 200
            )
            mine = [d for d in page["items"] if d["exchange_id"] == sent["document_id"]]
            return dict(mine[0]) if mine else None

        copy = await eventually(the_copy, within=WITHIN, interval=0.2)
        reason = "Thu hồi để đính chính thể thức văn bản"
        recall = order | {"business_type": "1", "document_id": sent["document_id"], "reason": reason}
        ok(await client.post(f"{SANDBOX}/admin/send", headers=SANDBOX_ADMIN, json=recall), 201)

        async def flagged() -> list[dict[str, Any]] | None:
            found = ok(await client.get(f"/api/v1/documents/{copy['id']}", headers=clerk), 200)
            return list(found["flags"]) or None

        [flag] = await eventually(flagged, within=WITHIN, interval=0.2)
        assert flag["kind"] == "revoke"
        recall_delivery = ok(
            await client.get(f"/api/v1/deliveries/{flag['delivery_id']}", headers=clerk), 200
        )
        assert recall_delivery["note"] == reason
        assert flag["note"] == reason
