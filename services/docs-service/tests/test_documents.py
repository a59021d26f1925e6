"""The outgoing lifecycle: draft → submitted → approved → signed → sealed → issued, every step a
version, roles per step, issued documents immutable, events through the outbox."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from docs_service import models

from .docs_harness import People, agency, create, draft_body, events, issued, ready_to_issue, step


@pytest.fixture
async def people(service):
    return People(service, await agency(service))


def today_in_vietnam():
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


async def count(service, model):
    return await service.scalar(select(func.count()).select_from(model))


async def test_a_draft_goes_all_the_way_to_issue(service, people):
    doc = await create(people)
    assert doc["status"] == "draft"
    assert (doc["type_name"], doc["type_abbreviation"]) == ("Quyết định", "QĐ")
    assert doc["number"] is None
    assert doc["exchange_id"] is None

    edited = await people.specialist.patch(
        f"/api/v1/documents/{doc['id']}",
        json={"subject": "Về việc phê duyệt kế hoạch năm 2027", "page_count": 4},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2

    await step(people.specialist, doc["id"], "submit")
    await step(people.leader, doc["id"], "approve")
    signed = await step(people.leader, doc["id"], "sign")
    assert signed["status"] == "signed"
    assert signed["sealed_at"] is None
    sealed = await step(people.clerk, doc["id"], "seal")
    assert sealed["sealed_at"] is not None
    done = await step(people.clerk, doc["id"], "issue")

    day = today_in_vietnam()
    assert done["status"] == "issued"
    assert (done["number"], done["notation"], done["code"]) == ("01", "QĐ-UBND", "01/QĐ-UBND")
    assert done["exchange_id"] == f"000.00.00.H42,{day:%Y/%m/%d},01/QĐ-UBND"
    assert done["document_date"] == day.isoformat()

    versions = (await people.clerk.get(f"/api/v1/documents/{doc['id']}/versions")).json()
    assert [v["action"] for v in versions] == [
        "created",
        "updated",
        "submitted",
        "approved",
        "signed",
        "sealed",
        "issued",
    ]
    assert [v["version"] for v in versions] == list(range(1, 8))
    assert versions[1]["changes"] == {
        "subject": {
            "from": "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027",
            "to": "Về việc phê duyệt kế hoạch năm 2027",
        },
        "page_count": {"from": 3, "to": 4},
    }
    assert versions[4]["actor_name"] == "Trần Thị Bình"
    assert versions[5]["actor_name"] == "Lê Văn Cường"

    assert len(await events(service, "docs.document.created.v1")) == 1
    assert len(await events(service, "docs.document.submitted.v1")) == 1
    assert len(await events(service, "docs.document.approved.v1")) == 1
    signatures = await events(service, "docs.document.signed.v1")
    assert [s["signature"] for s in signatures] == ["personal", "agency"]
    assert signatures[0]["signer_name"] == "Trần Thị Bình"
    [issued_event] = await events(service, "docs.document.issued.v1")
    summary = issued_event["document"]
    assert summary["exchange_id"] == done["exchange_id"]
    assert (summary["number"], summary["notation"], summary["type_abbreviation"]) == ("01", "QĐ-UBND", "QĐ")
    assert summary["org_code"] == "000.00.00.H42"
    assert summary["org_name"] == "Ủy ban nhân dân tỉnh Ninh Bình"
    assert summary["subject"] == "Về việc phê duyệt kế hoạch năm 2027"
    assert (summary["signer_competence"], summary["signer_position"]) == ("KT.", "Phó Chủ tịch")
    assert summary["page_count"] == 4
    assert summary["issued_on"] == day.isoformat()


async def test_an_issued_document_is_immutable(service, people):
    doc = await issued(people)
    for client in (people.specialist, people.leader):
        response = await client.patch(
            f"/api/v1/documents/{doc['id']}", json={"subject": "Sửa sau khi ban hành"}
        )
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/document-immutable")
        assert "recall" in response.json()["detail"]
    again = await people.clerk.post(f"/api/v1/documents/{doc['id']}/issue")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/document-immutable")
    after = (await people.clerk.get(f"/api/v1/documents/{doc['id']}")).json()
    assert after == doc


async def test_only_a_draft_is_edited_and_each_step_needs_its_status(service, people):
    doc = await create(people)
    early = await people.leader.post(f"/api/v1/documents/{doc['id']}/approve")
    assert early.status_code == 409
    problem = early.json()
    assert problem["type"].endswith("/wrong-status")
    assert (problem["document_status"], problem["expected"]) == ("draft", ["submitted"])
    await step(people.specialist, doc["id"], "submit")
    locked = await people.specialist.patch(f"/api/v1/documents/{doc['id']}", json={"page_count": 9})
    assert locked.status_code == 409
    assert locked.json()["type"].endswith("/document-not-editable")


async def test_the_seal_comes_after_the_personal_signature(service, people):
    doc = await create(people)
    await step(people.specialist, doc["id"], "submit")
    await step(people.leader, doc["id"], "approve")
    refused = await people.clerk.post(f"/api/v1/documents/{doc['id']}/seal")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/personal-signature-first")
    assert "Điều 32" in refused.json()["detail"]
    await step(people.leader, doc["id"], "sign")
    not_sealed = await people.clerk.post(f"/api/v1/documents/{doc['id']}/issue")
    assert not_sealed.status_code == 409
    assert not_sealed.json()["type"].endswith("/not-sealed")
    await step(people.clerk, doc["id"], "seal")
    twice = await people.clerk.post(f"/api/v1/documents/{doc['id']}/seal")
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/already-sealed")
    assert [s["signature"] for s in await events(service, "docs.document.signed.v1")] == [
        "personal",
        "agency",
    ]


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("clerk", "submit", False),
        ("specialist", "approve", False),
        ("clerk", "approve", False),
        ("specialist", "sign", False),
        ("clerk", "sign", False),
        ("leader", "seal", False),
        ("specialist", "seal", False),
        ("leader", "issue", False),
        ("agency_admin", "issue", False),
        ("system_admin", "issue", False),
    ],
)
async def test_each_step_has_its_role(service, people, role, action, allowed):
    doc = await ready_to_issue(people)
    client = service.client_for(people.org_id, [role])
    response = await client.post(f"/api/v1/documents/{doc['id']}/{action}")
    assert response.status_code == 403, response.text
    assert response.json()["type"].endswith("/missing-role")
    assert (await people.clerk.get(f"/api/v1/documents/{doc['id']}")).json()["version"] == doc["version"]


async def test_a_clerk_does_not_draft(service, people):
    response = await people.clerk.post("/api/v1/documents", json=draft_body())
    assert response.status_code == 403
    assert response.json()["type"].endswith("/missing-role")
    assert await count(service, models.Document) == 0


async def test_another_agency_sees_nothing(service, people):
    doc = await create(people)
    other = People(service, await agency(service, code="000.00.15.H42", name="UBND huyện Kim Sơn"))
    admin_elsewhere = service.client_for(other.org_id, ["system_admin"])
    for client in (other.specialist, other.leader, other.clerk, admin_elsewhere):
        for method, path, body in (
            ("GET", f"/api/v1/documents/{doc['id']}", None),
            ("GET", f"/api/v1/documents/{doc['id']}/versions", None),
            ("PATCH", f"/api/v1/documents/{doc['id']}", {"subject": "của tôi"}),
            ("POST", f"/api/v1/documents/{doc['id']}/submit", None),
            ("POST", f"/api/v1/documents/{doc['id']}/issue", None),
        ):
            response = await client.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["type"].endswith("/document-not-found")
        listed = (await client.get("/api/v1/documents")).json()
        assert listed["total"] == 0
        assert listed["items"] == []
    mine = (await people.leader.get("/api/v1/documents")).json()
    assert mine["total"] == 1
    assert mine["items"][0]["id"] == doc["id"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (draft_body(subject="x" * 501), ["body", "subject"]),
        (draft_body(subject="   "), ["body", "subject"]),
        (draft_body(urgency="gấp"), ["body", "urgency"]),
        (draft_body(confidentiality="secret"), ["body", "confidentiality"]),
        (draft_body(signer_competence="KT"), ["body", "signer_competence"]),
        (draft_body(signer_name="x" * 51), ["body", "signer_name"]),
        (draft_body(drafting_unit="V-P"), ["body", "drafting_unit"]),
        (draft_body(page_count=0), ["body", "page_count"]),
        (draft_body(number="05"), ["body", "number"]),
    ],
)
async def test_bad_metadata_is_a_problem_and_nothing_is_created(service, people, body, where):
    response = await people.specialist.post("/api/v1/documents", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["location"] == where
    assert await count(service, models.Document) == 0


async def test_unknown_type_and_related_documents_are_problems(service, people):
    cv = await people.specialist.post("/api/v1/documents", json=draft_body(type_code="CV"))
    assert cv.status_code == 422
    assert cv.json()["type"].endswith("/unknown-document-type")
    missing = await people.specialist.post(
        "/api/v1/documents", json=draft_body(replaces_id="01936f5e-0000-7000-8000-000000000000")
    )
    assert missing.status_code == 422
    assert missing.json()["type"].endswith("/related-document-not-found")
    draft = await create(people)
    not_issued = await people.specialist.post("/api/v1/documents", json=draft_body(replaces_id=draft["id"]))
    assert not_issued.status_code == 422
    assert await count(service, models.Document) == 1


async def test_an_idempotency_key_gives_the_same_draft(service, people):
    headers = {"Idempotency-Key": "draft-2027-001"}
    first = await people.specialist.post("/api/v1/documents", json=draft_body(), headers=headers)
    again = await people.specialist.post("/api/v1/documents", json=draft_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert await count(service, models.Document) == 1
    assert len(await events(service, "docs.document.created.v1")) == 1
    other = await people.specialist.post(
        "/api/v1/documents", json=draft_body(subject="Khác"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    elsewhere = People(service, await agency(service, code="000.00.15.H42"))
    theirs = await elsewhere.specialist.post("/api/v1/documents", json=draft_body(), headers=headers)
    assert theirs.status_code == 201  # keys are per agency
    assert theirs.json()["id"] != first.json()["id"]


async def test_the_29_types_and_their_abbreviations(service, people):
    types = (await people.clerk.get("/api/v1/documents/types")).json()
    administrative = {t["name"]: t["abbreviation"] for t in types if t["family"] == "administrative"}
    assert len(administrative) == 29
    assert administrative["Quy định"] == "QyĐ"
    assert administrative["Chương trình"] == "CTr"
    assert administrative["Tờ trình"] == "TTr"
    assert administrative["Thông cáo"] == "TC"
    assert administrative["Công văn"] is None
    assert administrative["Thư công"] is None
    cong_van = next(t for t in types if t["code"] == "cong_van")
    assert (cong_van["edxml_type"], cong_van["edxml_type_detail"]) == (2, 18)
    levels = (await people.clerk.get("/api/v1/documents/urgency-levels")).json()
    assert [(u["urgency"], u["edxml_priority"]) for u in levels] == [
        ("thuong", 0),
        ("khan", 1),
        ("thuong_khan", 2),
        ("hoa_toc", 3),
        ("hoa_toc_hen_gio", 4),
    ]


async def test_cong_van_is_numbered_with_the_drafting_unit(service, people):
    no_unit = await ready_to_issue(people, type_code="cong_van")
    refused = await people.clerk.post(f"/api/v1/documents/{no_unit['id']}/issue")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/notation-impossible")
    registers = (await people.clerk.get("/api/v1/registers")).json()
    assert all(r["last_number"] == 0 for r in registers)  # nothing taken

    cv = await issued(people, type_code="cong_van", drafting_unit="VP")
    assert (cv["code"], cv["type_abbreviation"]) == ("01/UBND-VP", None)


async def test_series_secret_and_legal_number_apart(service, people):
    first = await issued(people)
    secret = await issued(people, confidentiality="mat")
    legal = await issued(people, type_code="quyet_dinh_qppl")
    second = await issued(people, type_code="to_trinh")
    year = today_in_vietnam().year
    assert first["code"] == "01/QĐ-UBND"
    assert secret["code"] == "01/QĐ-UBND"
    assert legal["code"] == f"01/{year}/QĐ-UBND"
    assert second["code"] == "02/TTr-UBND"
    registers = {(r["kind"], r["series"]): r for r in (await people.clerk.get("/api/v1/registers")).json()}
    assert registers[("outgoing", "administrative")]["last_number"] == 2
    assert registers[("outgoing", "secret")]["last_number"] == 1
    assert registers[("outgoing", "legal.quyet_dinh_qppl")]["last_number"] == 1
    assert registers[("outgoing", "secret")]["title"] == "Sổ đăng ký văn bản mật đi"
    assert len({first["register_id"], secret["register_id"], legal["register_id"]}) == 3


async def test_recall_and_replacement(service, people):
    old = await issued(people)
    new = await issued(people, replaces_id=old["id"], subject="Thay thế Quyết định số 01")
    before = (await people.clerk.get(f"/api/v1/documents/{old['id']}")).json()
    assert (before["status"], before["replaced_by_id"]) == ("replaced", new["id"])
    [replaced] = await events(service, "docs.document.replaced.v1")
    assert (replaced["document_id"], replaced["replaced_by_id"]) == (old["id"], new["id"])
    assert replaced["exchange_id"] == old["exchange_id"]

    empty = await people.clerk.post(f"/api/v1/documents/{new['id']}/recall", json={"reason": " "})
    assert empty.status_code == 422
    specialist = await people.specialist.post(
        f"/api/v1/documents/{new['id']}/recall", json={"reason": "Sai sót"}
    )
    assert specialist.status_code == 403
    recalled = await step(people.leader, new["id"], "recall", {"reason": "Sai thẩm quyền ban hành"})
    assert (recalled["status"], recalled["recall_reason"]) == ("recalled", "Sai thẩm quyền ban hành")
    [event] = await events(service, "docs.document.recalled.v1")
    assert (event["exchange_id"], event["reason"]) == (new["exchange_id"], "Sai thẩm quyền ban hành")
    again = await people.leader.post(f"/api/v1/documents/{new['id']}/recall", json={"reason": "lần nữa"})
    assert again.status_code == 409


async def test_an_agency_without_abbreviation_cannot_number(service):
    people = People(service, await agency(service, short_name=None))
    doc = await ready_to_issue(people)
    refused = await people.clerk.post(f"/api/v1/documents/{doc['id']}/issue")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/notation-impossible")
    assert (await people.clerk.get(f"/api/v1/documents/{doc['id']}")).json()["status"] == "signed"


async def test_openapi_says_signing_proper_comes_later(service):
    spec = (await service.client.get("/openapi.json")).json()
    for path in ("/api/v1/documents/{document_id}/sign", "/api/v1/documents/{document_id}/seal"):
        operation = spec["paths"][path]["post"]
        assert "PAdES" in operation["description"]
        assert operation["security"] == [{"bearer": []}]
        assert {"401", "403", "404", "409"} <= set(operation["responses"])


async def test_a_leader_sends_a_draft_back(service, people):
    doc = await create(people)
    await step(people.specialist, doc["id"], "submit")
    refused = await people.specialist.post(f"/api/v1/documents/{doc['id']}/send-back", json={"reason": "Sửa"})
    assert refused.status_code == 403
    back = await step(people.leader, doc["id"], "send-back", {"reason": "Bổ sung căn cứ pháp lý"})
    assert (back["status"], back["submitted_at"]) == ("draft", None)
    edited = await people.specialist.patch(f"/api/v1/documents/{doc['id']}", json={"page_count": 6})
    assert edited.status_code == 200
    versions = (await people.specialist.get(f"/api/v1/documents/{doc['id']}/versions")).json()
    assert [v["action"] for v in versions] == ["created", "submitted", "sent_back", "updated"]
    assert versions[2]["changes"]["reason"] == "Bổ sung căn cứ pháp lý"
    again = await people.leader.post(f"/api/v1/documents/{doc['id']}/send-back", json={"reason": "lần nữa"})
    assert again.status_code == 409


async def test_the_edxml_codes_are_configuration(service, people):
    admin = service.client_for(people.org_id, ["system_admin"])
    refused = await people.leader.patch("/api/v1/documents/types/cong_van", json={"edxml_type_detail": 0})
    assert refused.status_code == 403
    changed = await admin.patch(
        "/api/v1/documents/types/cong_van", json={"edxml_type": 1, "edxml_type_detail": 0}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["edxml_type"], changed.json()["edxml_type_detail"], changed.json()["name"]) == (
        1,
        0,
        "Công văn",
    )
    assert (await admin.patch("/api/v1/documents/types/CV", json={"active": False})).status_code == 404
    bad = await admin.patch("/api/v1/documents/types/cong_van", json={"abbreviation": "CV"})
    assert bad.status_code == 422

    assert (await admin.patch("/api/v1/documents/types/thu_cong", json={"active": False})).status_code == 200
    offered = {t["code"] for t in (await people.clerk.get("/api/v1/documents/types")).json()}
    assert "thu_cong" not in offered
    every = (await people.clerk.get("/api/v1/documents/types", params={"include_inactive": "true"})).json()
    assert len(every) == 34
    withdrawn = await people.specialist.post("/api/v1/documents", json=draft_body(type_code="thu_cong"))
    assert withdrawn.status_code == 422

    priority = await admin.patch(
        "/api/v1/documents/urgency-levels/hoa_toc_hen_gio", json={"edxml_priority": 3}
    )
    assert priority.json() == {"urgency": "hoa_toc_hen_gio", "name": "Hỏa tốc hẹn giờ", "edxml_priority": 3}
    assert (
        await admin.patch("/api/v1/documents/urgency-levels/gap", json={"edxml_priority": 1})
    ).status_code == 404
    assert (
        await people.clerk.patch("/api/v1/documents/urgency-levels/khan", json={"edxml_priority": 1})
    ).status_code == 403
