"""Helpers the docs-service tests share: agencies from the directory, role clients, the way to issue."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from kit_bus import outbox_table
from kit_bus.testing import ServiceUnderTest, publish
from kit_contracts import OrgCreated, Tier


async def agency(
    service: ServiceUnderTest,
    *,
    code: str = "000.00.00.H42",
    short_name: str | None = "UBND",
    name: str = "Ủy ban nhân dân tỉnh Ninh Bình",
) -> UUID:
    created = OrgCreated(org_id=uuid4(), code=code, name=name, short_name=short_name, tier=Tier.PROVINCE)
    await publish(service.bus, [created])
    return created.org_id


class People:
    """One client per role in one agency (each a different user)."""

    def __init__(self, service: ServiceUnderTest, org_id: UUID) -> None:
        self.org_id = org_id
        self.specialist = service.client_for(org_id, ["specialist"], name="Nguyễn Văn An")
        self.leader = service.client_for(org_id, ["leader"], name="Trần Thị Bình")
        self.clerk = service.client_for(org_id, ["clerk"], name="Lê Văn Cường")


def draft_body(**overrides: Any) -> dict[str, Any]:
    return {
        "type_code": "quyet_dinh",
        "subject": "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027",
        "urgency": "thuong",
        "confidentiality": "thuong",
        "signer_competence": "KT.",
        "signer_position": "Phó Chủ tịch",
        "signer_name": "Trần Thị Bình",
        "place": "Ninh Bình",
        "page_count": 3,
        "copies": 5,
        "recipients_text": "- Như Điều 3;\n- Lưu: VT.",
    } | overrides


async def create(people: People, **overrides: Any) -> dict[str, Any]:
    response = await people.specialist.post("/api/v1/documents", json=draft_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def step(client: Any, document_id: str, action: str, json: Any = None) -> dict[str, Any]:
    response = await client.post(f"/api/v1/documents/{document_id}/{action}", json=json)
    assert response.status_code == 200, (action, response.text)
    return response.json()


async def ready_to_issue(people: People, **overrides: Any) -> dict[str, Any]:
    """A draft taken through submit, approve, the personal signature and the seal."""
    doc = await create(people, **overrides)
    await step(people.specialist, doc["id"], "submit")
    await step(people.leader, doc["id"], "approve")
    await step(people.leader, doc["id"], "sign")
    return await step(people.clerk, doc["id"], "seal")


async def issued(people: People, **overrides: Any) -> dict[str, Any]:
    doc = await ready_to_issue(people, **overrides)
    return await step(people.clerk, doc["id"], "issue")


async def events(service: ServiceUnderTest, event_type: str) -> list[dict[str, Any]]:
    rows = await service.rows(
        select(outbox_table.c.payload).where(outbox_table.c.type == event_type).order_by(outbox_table.c.seq)
    )
    return [row[0] for row in rows]
