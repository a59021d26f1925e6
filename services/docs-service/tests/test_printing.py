"""Printable registers: the PDF and XLSX books read back (pypdf, openpyxl), for the agency's users."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kit_bus.testing import DIALECTS, publish
from kit_core import FixedClock

from .docs_harness import People, agency, issued, step
from .test_incoming import delivery


async def registers(client):
    response = await client.get("/api/v1/registers")
    assert response.status_code == 200, response.text
    return {(r["kind"], r["series"]): r for r in response.json()}


async def printed(client, register_id, start, end, fmt):
    response = await client.get(
        f"/api/v1/registers/{register_id}/print", params={"from": start, "to": end, "format": fmt}
    )
    assert response.status_code == 200, response.text
    return response


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_outgoing_register_as_pdf_and_xlsx(start, dialect, tmp_path):
    clock = FixedClock(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    async with start(dialect, tmp_path, clock=clock) as service:
        people = People(service, await agency(service))
        first = await issued(people, subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2027")
        clock.advance(timedelta(days=1))
        others = [await issued(people, subject=f"Quyết định số {i} về công tác cán bộ") for i in range(2, 31)]
        clock.advance(timedelta(days=30))
        late = await issued(people, subject="Văn bản tháng sau")
        register = (await registers(people.clerk))[("outgoing", "administrative")]

        response = await printed(people.clerk, register["id"], "2026-11-01", "2026-11-30", "pdf")
        assert response.headers["content-type"] == "application/pdf"
        assert "so-dang-ky-van-ban-di-20261101-20261130.pdf" in response.headers["content-disposition"]
        text, pages = pdf_text(response.content)
        assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text
        assert "Ủy ban nhân dân tỉnh Ninh Bình".upper() in text
        assert "Từ ngày 01/11/2026 đến ngày 30/11/2026" in text
        assert first["code"] in text
        assert others[-1]["code"] in text
        assert late["code"] not in text
        assert "chuyển đổi số" in text
        assert pages >= 2
        assert f"Trang 1/{pages}" in text
        assert f"Trang {pages}/{pages}" in text
        # The header row is repeated on every page.
        for page in PdfReader(io.BytesIO(response.content)).pages:
            assert "Tên loại và trích yếu nội dung văn bản" in page.extract_text()

        response = await printed(people.leader, register["id"], "2026-11-01", "2026-11-30", "xlsx")
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A2"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
        header = [c.value for c in sheet[5]]
        assert header[:3] == [
            "Số, ký hiệu văn bản",
            "Ngày tháng văn bản",
            "Tên loại và trích yếu nội dung văn bản",
        ]
        assert len(header) == 10
        assert all(c.font.bold for c in sheet[5])
        assert sheet.freeze_panes == "A6"
        assert sheet.column_dimensions["C"].width == 50
        row = [c.value for c in sheet[6]]
        assert row[0] == first["code"]
        assert isinstance(row[1], datetime)  # a real date (openpyxl reads dates back as datetimes)
        assert row[1].date() == date(2026, 11, 2)
        assert row[2] == "Quyết định Về việc phê duyệt kế hoạch chuyển đổi số năm 2027"
        assert row[3] == "Trần Thị Bình"
        assert row[6] == 5
        assert sheet.max_row == 5 + 30


async def test_incoming_register_and_access(service):
    people = People(service, await agency(service))
    await publish(service.bus, [delivery(people.org_id)])
    copy = (await people.clerk.get("/api/v1/documents", params={"direction": "incoming"})).json()["items"][0]
    await step(people.clerk, copy["id"], "register", {"arrival_date": "2026-11-21"})
    register = (await registers(people.clerk))[("incoming", "administrative")]

    text, _ = pdf_text(
        (await printed(people.clerk, register["id"], "2026-11-01", "2026-11-30", "pdf")).content
    )
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert "Văn phòng Chính phủ" in text
    assert "7816/VPCP-TTĐT" in text
    sheet = load_workbook(
        io.BytesIO((await printed(people.clerk, register["id"], "2026-11-01", "2026-11-30", "xlsx")).content)
    ).active
    assert [c.value for c in sheet[5]][:4] == ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu"]
    row = [c.value for c in sheet[6]]
    assert row[0].date() == date(2026, 11, 21)
    assert row[1:4] == [1, "Văn phòng Chính phủ", "7816/VPCP-TTĐT"]
    assert row[4].date() == date(2026, 11, 20)

    # An empty period is still a book (title, columns), without rows.
    text, pages = pdf_text(
        (await printed(people.clerk, register["id"], "2025-01-01", "2025-01-31", "pdf")).content
    )
    assert pages == 1
    assert "Không có văn bản nào" in text

    # Another agency's users: refused; bad periods and formats: 422.
    other = People(service, await agency(service, code="000.00.00.H26", name="Ủy ban nhân dân tỉnh Hà Nam"))
    url = f"/api/v1/registers/{register['id']}/print"
    refused = await other.clerk.get(url, params={"from": "2026-11-01", "to": "2026-11-30"})
    assert refused.status_code == 403
    for params in (
        {"from": "2026-11-30", "to": "2026-11-01"},
        {"from": "2026-11-01"},
        {"from": "2026-11-01", "to": "2026-11-30", "format": "docx"},
        {"from": "2016-01-01", "to": "2026-11-30"},
    ):
        assert (await people.clerk.get(url, params=params)).status_code == 422, params


async def test_an_incoming_copy_is_found_by_its_sender(service):
    people = People(service, await agency(service))
    await publish(service.bus, [delivery(people.org_id)])
    response = await people.clerk.get(
        "/api/v1/search", params={"q": "van phong chinh phu", "sender": "000.00.00.G22"}
    )
    page = response.json()
    assert page["total"] == 1
    assert page["items"][0]["notation"] == "VPCP-TTĐT"
    assert (await people.clerk.get("/api/v1/search", params={"q": "7816/VPCP"})).json()["total"] == 1
    assert (await people.clerk.get("/api/v1/search", params={"sender": "000.00.00.G99"})).json()["total"] == 0
