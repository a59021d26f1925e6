"""The audit trail: every change of a document and every download of its files, hash-chained; the
verify command names the first broken link; the trail is shown to the owning agency's leaders and
clerks only."""

import asyncio
import itertools
from contextlib import asynccontextmanager

from sqlalchemy import select, update

from docs_service import models
from docs_service.commands import audit as audit_command
from docs_service.config import Settings
from kit_bus.testing import publish
from kit_db import make_engine, make_sessionmaker

from .docs_harness import People, agency, create, step
from .pdfs import pdf_with_text
from .test_incoming import delivery


@asynccontextmanager
async def database(service):
    engine = make_engine(url=service.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def trail(client, document_id, **params):
    response = await client.get(f"/api/v1/documents/{document_id}/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_changes_and_downloads_are_chained(service, tmp_path, capsys):
    people = People(service, await agency(service))
    doc = await create(people, subject="Kế hoạch kiểm tra")
    await people.specialist.patch(f"/api/v1/documents/{doc['id']}", json={"summary": "Tóm tắt"})
    file = (
        await people.specialist.post(
            f"/api/v1/documents/{doc['id']}/files",
            files={"file": ("ke-hoach.pdf", pdf_with_text("Nội dung"))},
        )
    ).json()
    content = f"/api/v1/documents/{doc['id']}/files/{file['id']}/content"
    assert (await people.clerk.get(content)).status_code == 200
    assert (await people.leader.get(content, headers={"Range": "bytes=0-9"})).status_code == 206
    await step(people.specialist, doc["id"], "submit")

    entries = await trail(people.leader, doc["id"])
    assert [e["kind"] for e in entries] == [
        "document.submitted",
        "file.downloaded",
        "file.downloaded",
        "document.file_added",
        "document.updated",
        "document.created",
    ]
    assert entries[1]["actor_name"] == "Trần Thị Bình"
    assert entries[1]["detail"]["range"] == "bytes=0-9"
    assert entries[2]["actor_name"] == "Lê Văn Cường"
    assert entries[2]["detail"]["range"] is None
    assert entries[2]["detail"]["sha256"] == file["sha256"]
    assert entries[4]["detail"]["changes"] == {"summary": {"from": None, "to": "Tóm tắt"}}
    for newer, older in itertools.pairwise(entries):
        assert newer["prev_hash"] == older["hash"]
    paged = await trail(people.clerk, doc["id"], limit=2, before=entries[1]["id"])
    assert [e["id"] for e in paged] == [entries[2]["id"], entries[3]["id"]]

    settings = Settings(database_url=service.database_url, blob_dir=tmp_path / "blobs")
    assert await audit_command(settings, ["verify"]) == 0
    assert "intact: 6 entries" in capsys.readouterr().out

    # Someone edits an entry in the database: verify names it.
    victim = entries[3]["id"]
    async with database(service) as session:
        await session.execute(
            update(models.DocumentAudit)
            .where(models.DocumentAudit.id == victim)
            .values(detail={"version": 3, "changes": {}})
        )
        await session.commit()
    assert await audit_command(settings, ["verify"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at entry {victim}: its content does not match its hash" in out


async def test_a_removed_or_cut_entry_is_found(service, tmp_path, capsys):
    people = People(service, await agency(service))
    doc = await create(people)
    await step(people.specialist, doc["id"], "submit")
    await step(people.leader, doc["id"], "approve")
    entries = await trail(people.leader, doc["id"])
    settings = Settings(database_url=service.database_url, blob_dir=tmp_path / "blobs")
    async with database(service) as session:
        await session.delete(await session.get(models.DocumentAudit, entries[0]["id"]))  # the last one
        await session.commit()
    assert await audit_command(settings, ["verify"]) == 1
    assert "BROKEN at the head" in capsys.readouterr().out
    async with database(service) as session:
        await session.delete(await session.get(models.DocumentAudit, entries[2]["id"]))  # the first one
        await session.commit()
    assert await audit_command(settings, ["verify"]) == 1
    assert f"BROKEN at entry {entries[1]['id']}: does not chain" in capsys.readouterr().out


async def test_concurrent_appenders_never_fork_the_chain(service, tmp_path, capsys):
    people = People(service, await agency(service))
    docs = await asyncio.gather(*(create(people, subject=f"Dự thảo {i}") for i in range(12)))
    await asyncio.gather(*(step(people.specialist, d["id"], "submit") for d in docs))
    async with database(service) as session:
        rows = (
            (await session.execute(select(models.DocumentAudit).order_by(models.DocumentAudit.id)))
            .scalars()
            .all()
        )
    assert len(rows) == 24
    assert len({r.prev_hash for r in rows}) == 24  # no two entries chain to the same predecessor
    settings = Settings(database_url=service.database_url, blob_dir=tmp_path / "blobs")
    assert await audit_command(settings, ["verify"]) == 0


async def test_who_sees_the_trail(service):
    people = People(service, await agency(service))
    doc = await create(people)
    assert (await people.specialist.get(f"/api/v1/documents/{doc['id']}/audit")).status_code == 403
    other = People(service, await agency(service, code="000.00.00.H26", name="Ủy ban nhân dân tỉnh Hà Nam"))
    for client in (other.leader, other.clerk):
        assert (await client.get(f"/api/v1/documents/{doc['id']}/audit")).status_code == 404
    # An incoming copy's trail starts with its arrival, by no one.
    await publish(service.bus, [delivery(people.org_id)])
    copy = (await people.clerk.get("/api/v1/documents", params={"direction": "incoming"})).json()["items"][0]
    await step(people.clerk, copy["id"], "register")
    entries = await trail(people.clerk, copy["id"])
    assert [e["kind"] for e in entries] == ["document.registered", "document.received"]
    assert entries[1]["actor_id"] is None
