"""Search: diacritics-insensitive over the metadata and the PDFs' text, filtered, sorted and paged,
and only ever inside the caller's agency — counts included."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import delete

from docs_service import models
from docs_service.commands import search as search_command
from docs_service.config import Settings
from kit_bus.testing import DIALECTS
from kit_core import FixedClock
from kit_db import make_engine

from .docs_harness import People, agency, create, issued, step
from .pdfs import pdf_with_text


async def search(client, **params):
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def subjects(page):
    return [d["subject"] for d in page["items"]]


@pytest.fixture
async def people(service):
    return People(service, await agency(service))


async def test_diacritics_and_d_are_folded_both_ways(people):
    doc = await create(people, subject="Về việc đầu tư xây dựng đường giao thông nông thôn")
    for query in ("quyet dinh", "QUYẾT ĐỊNH", "dau tu", "đường", "DUONG GIAO", "nong thon", "xây dựng đườ"):
        page = await search(people.clerk, q=query)
        assert [d["id"] for d in page["items"]] == [doc["id"]], query
        assert page["total"] == 1
    for query in ("cầu cảng", "dau tu cau"):
        page = await search(people.clerk, q=query)
        assert page == {"items": [], "total": 0, "limit": 20, "offset": 0}, query


async def test_notation_and_its_fragments(people):
    doc = await issued(people, subject="Phê duyệt quy hoạch")
    await create(people, subject="Một dự thảo khác")
    code = doc["code"]  # 01/QĐ-UBND
    assert code == "01/QĐ-UBND"
    for query in (code, "01/qd-ubnd", "QĐ-UB", "qd ubnd"):
        page = await search(people.leader, q=query)
        assert [d["id"] for d in page["items"]] == [doc["id"]], query


async def test_the_text_layer_of_an_attached_pdf_is_searched(people):
    doc = await create(people, subject="Báo cáo định kỳ")
    pdf = pdf_with_text("Báo cáo tình hình thiệt hại do bão số 3 gây ra tại huyện Đồng Hỷ")
    response = await people.specialist.post(
        f"/api/v1/documents/{doc['id']}/files", files={"file": ("bao-cao.pdf", pdf)}
    )
    assert response.status_code == 201, response.text
    page = await search(people.clerk, q="thiet hai bao so 3 dong hy")
    assert [d["id"] for d in page["items"]] == [doc["id"]]
    # Detached, its words no longer find the document.
    await people.specialist.delete(f"/api/v1/documents/{doc['id']}/files/{response.json()['id']}")
    assert (await search(people.clerk, q="thiet hai"))["total"] == 0
    assert (await search(people.clerk, q="dinh ky"))["total"] == 1


async def test_no_leak_across_agencies(service, people):
    other = People(service, await agency(service, code="000.00.00.H26", name="Ủy ban nhân dân tỉnh Hà Nam"))
    ours = await issued(people, subject="Kế hoạch phòng chống lụt bão năm 2027")
    theirs = await create(other, subject="Kế hoạch phòng chống lụt bão của tỉnh bạn")
    for client in (other.clerk, other.leader, other.specialist):
        for query in ("phong chong lut bao", ours["code"], "UBND", ""):
            page = await search(client, q=query) if query else await search(client)
            assert ours["id"] not in [d["id"] for d in page["items"]]
            assert page["total"] == (1 if query in ("phong chong lut bao", "") else 0), query
    page = await search(people.clerk, q="phong chong lut bao")
    assert [d["id"] for d in page["items"]] == [ours["id"]]
    assert page["total"] == 1
    assert theirs["id"] not in [d["id"] for d in (await search(people.leader))["items"]]
    # An agency docs-service has never heard of finds nothing either.
    stranger = service.client_for(uuid4(), ["leader"])
    assert await search(stranger, q="lut bao") == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_filters_sorting_and_pages(people):
    urgent = await create(
        people,
        subject="Công văn khẩn về phòng dịch",
        type_code="cong_van",
        urgency="khan",
        drafting_unit="VP",
    )
    plan = await create(people, subject="Kế hoạch phòng dịch mùa đông", type_code="ke_hoach")
    done = await issued(people, subject="Quyết định về phòng dịch")
    await step(people.specialist, plan["id"], "submit")

    def ids(page):
        return [d["id"] for d in page["items"]]

    assert set(ids(await search(people.clerk, q="phong dich"))) == {urgent["id"], plan["id"], done["id"]}
    assert ids(await search(people.clerk, q="phong dich", urgency="khan")) == [urgent["id"]]
    assert ids(await search(people.clerk, q="phong dich", type="ke_hoach")) == [plan["id"]]
    assert ids(await search(people.clerk, q="phong dich", status="submitted")) == [plan["id"]]
    assert ids(await search(people.clerk, q="phong dich", status="issued")) == [done["id"]]
    assert ids(await search(people.clerk, q="phong dich", register_id=done["register_id"])) == [done["id"]]
    assert ids(await search(people.clerk, direction="incoming")) == []
    assert (await search(people.clerk, q="phong dich", direction="outgoing"))["total"] == 3

    first = await search(people.clerk, q="phong dich", sort="oldest", limit=2)
    second = await search(people.clerk, q="phong dich", sort="oldest", limit=2, offset=2)
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert ids(first) + ids(second) == [urgent["id"], plan["id"], done["id"]]
    newest = await search(people.clerk, q="phong dich", sort="newest")
    assert ids(newest) == [done["id"], plan["id"], urgent["id"]]
    # Relevance: the document whose subject says it twice comes first.
    twice = await create(people, subject="Phòng dịch, phòng dịch và phòng dịch")
    assert ids(await search(people.clerk, q="phong dich"))[0] == twice["id"]

    response = await people.clerk.get("/api/v1/search", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("/bad-date-range")
    assert (await people.clerk.get("/api/v1/search", params={"urgency": "rat_khan"})).status_code == 422


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_date_range(start, dialect, tmp_path):
    clock = FixedClock(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    async with start(dialect, tmp_path, clock=clock) as service:
        people = People(service, await agency(service))
        march = await create(people, subject="Tờ trình tháng ba")
        clock.advance(timedelta(days=40))
        april = await create(people, subject="Tờ trình tháng tư")

        async def between(start_, end):
            page = await search(people.clerk, q="to trinh", **{"from": start_, "to": end})
            return [d["id"] for d in page["items"]]

        assert await between("2026-03-01", "2026-03-31") == [march["id"]]
        assert await between("2026-04-01", "2026-04-30") == [april["id"]]
        assert await between("2026-03-10", "2026-04-19") == [april["id"], march["id"]]
        assert await between("2026-05-01", "2026-05-31") == []


async def test_reindex_rebuilds_what_the_index_lost(service, people, tmp_path, capsys):
    doc = await create(people, subject="Báo cáo tổng kết")
    pdf = pdf_with_text("Kết quả thực hiện nhiệm vụ phát triển kinh tế xã hội")
    response = await people.specialist.post(
        f"/api/v1/documents/{doc['id']}/files", files={"file": ("bc.pdf", pdf)}
    )
    assert response.status_code == 201, response.text
    engine = make_engine(url=service.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(models.SearchEntry))
            await conn.execute(delete(models.FileText))
            if conn.dialect.name == "sqlite":
                await conn.exec_driver_sql("DELETE FROM document_search_fts")
    finally:
        await engine.dispose()
    assert (await search(people.clerk, q="kinh te xa hoi"))["total"] == 0
    assert (await search(people.clerk))["total"] == 0

    settings = Settings(database_url=service.database_url, blob_dir=tmp_path / "blobs")
    for _ in range(2):  # idempotent
        assert await search_command(settings, ["reindex"]) == 0
        assert '"documents": 1' in capsys.readouterr().out
        page = await search(people.clerk, q="kinh te xa hoi")
        assert [d["id"] for d in page["items"]] == [doc["id"]]
        assert page["total"] == 1
