"""The sandbox checks the XML signature of every package a system sends, as the axis would, and its
admin view shows the result: a test can tell that what reached the axis was signed."""

from __future__ import annotations

import hashlib

from axis_support import SYSTEM, sandbox_in_process
from edxml_factories import document

from egov_gateway.exchange import build_document, sign_package
from egov_gateway.signing import generated_key
from kit_core import new_id


async def test_the_admin_view_shows_each_packages_signature_check():
    key = generated_key("Ủy ban nhân dân tỉnh Ninh Bình (test)")
    signed = sign_package(build_document(document()), key)
    unsigned = build_document(document(attachments=()))
    # Signed, then changed on the way (the DocumentId's notation): still well formed, no longer intact.
    original = sign_package(build_document(document(attachments=())), key)
    assert b"UBND-VP" in original
    tampered = original.replace(b"UBND-VP", b"UBND-VX")
    async with sandbox_in_process() as sandbox, sandbox.client() as axis, sandbox.admin() as admin:
        sent = {
            name: (await axis.send(body, message_id=new_id(), sender=SYSTEM)).doc_id
            for name, body in (("signed", signed), ("unsigned", unsigned), ("tampered", tampered))
        }
        central = await admin.post("/admin/send", json={"to": [SYSTEM]})
        assert central.status_code == 201, central.text
        listed = {item["doc_id"]: item for item in (await admin.get("/admin/edocs")).json()["items"]}

    assert {name: listed[doc_id]["signature"] for name, doc_id in sent.items()} == {
        "signed": "valid",
        "unsigned": "missing",
        "tampered": "invalid",
    }
    assert listed[sent["signed"]]["sha256"] == hashlib.sha256(signed).hexdigest()
    assert listed[central.json()["doc_id"]]["signature"] is None  # made by the sandbox itself, not checked
