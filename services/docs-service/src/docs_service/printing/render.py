"""The registers of NĐ 30/2020 Phụ lục IV as printed books: "Sổ đăng ký văn bản đi" and "Sổ đăng ký
văn bản đến", a PDF to print and bind (A4 landscape, DejaVu Sans for the Vietnamese letters, the
header row repeated on every page, "Trang x/y") and an XLSX with the same columns."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float  # on the PDF page (277 mm usable on landscape A4)
    width_chars: float  # in the spreadsheet


OUTGOING_COLUMNS: Final = (
    Column("Số, ký hiệu văn bản", 26, 16),
    Column("Ngày tháng văn bản", 20, 12),
    Column("Tên loại và trích yếu nội dung văn bản", 68, 50),
    Column("Người ký", 26, 20),
    Column("Nơi nhận văn bản", 40, 30),
    Column("Đơn vị, người nhận bản lưu", 24, 18),
    Column("Số lượng bản", 13, 8),
    Column("Ngày chuyển", 20, 12),
    Column("Ký nhận", 18, 12),
    Column("Ghi chú", 22, 18),
)
INCOMING_COLUMNS: Final = (
    Column("Ngày đến", 19, 12),
    Column("Số đến", 13, 8),
    Column("Tác giả", 36, 28),
    Column("Số, ký hiệu", 26, 16),
    Column("Ngày tháng", 19, 12),
    Column("Tên loại và trích yếu nội dung", 72, 50),
    Column("Đơn vị hoặc người nhận", 28, 20),
    Column("Ngày chuyển", 19, 12),
    Column("Ký nhận", 20, 12),
    Column("Ghi chú", 25, 18),
)

Cell = str | int | date | None


@dataclass(frozen=True)
class Book:
    """What a printed register shows: the title block and one row per document."""

    outgoing: bool
    register_title: str  # "Sổ đăng ký văn bản đi", "Sổ đăng ký văn bản mật đến"…
    agency_name: str
    year: int
    date_from: date
    date_to: date
    rows: Sequence[Sequence[Cell]]

    @property
    def title(self) -> str:
        return self.register_title.upper()

    @property
    def columns(self) -> tuple[Column, ...]:
        return OUTGOING_COLUMNS if self.outgoing else INCOMING_COLUMNS

    @property
    def period(self) -> str:
        return f"Từ ngày {self.date_from:%d/%m/%Y} đến ngày {self.date_to:%d/%m/%Y}"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def pdf(book: Book) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # subsetting chatter, not our business
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        raise FontMissing(f"DejaVu Sans is needed to print Vietnamese ({FONT_DIR}; Debian fonts-dejavu-core)")

    class Printed(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="C")

    doc = Printed(orientation="landscape", unit="mm", format="A4")
    doc.set_title(f"{book.title} — {book.agency_name} — {book.period}")
    doc.set_creator("docs-service")
    doc.add_font("DejaVu", fname=str(regular))
    doc.add_font("DejaVu", style="B", fname=str(bold))
    doc.set_margins(10, 10, 10)
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    doc.set_font("DejaVu", style="B", size=10)
    doc.cell(120, 6, book.agency_name.upper(), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("DejaVu", style="B", size=16)
    doc.cell(0, 9, book.title, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", size=11)
    doc.cell(0, 6, f"Năm {book.year}", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 6, book.period, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("DejaVu", size=8)
    with doc.table(
        col_widths=[c.width_mm for c in book.columns],
        width=sum(c.width_mm for c in book.columns),
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=4.5,
        text_align="LEFT",
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for column in book.columns:
            heading.cell(column.title, align="CENTER")
        numbered = table.row()
        for number in range(1, len(book.columns) + 1):
            numbered.cell(f"({number})", align="CENTER")
        for values in book.rows:
            row = table.row()
            for value in values:
                row.cell(_text(value))
    if not book.rows:
        doc.ln(4)
        doc.cell(0, 6, "Không có văn bản nào trong khoảng thời gian này.", align="C")
    return bytes(doc.output())


def xlsx(book: Book) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    workbook = Workbook()
    for default in list(workbook.worksheets):
        workbook.remove(default)
    sheet = workbook.create_sheet("Văn bản đi" if book.outgoing else "Văn bản đến")
    sheet["A1"] = book.agency_name.upper()
    sheet["A1"].font = Font(bold=True)
    sheet["A2"] = book.title
    sheet["A2"].font = Font(bold=True, size=14)
    sheet["A3"] = f"Năm {book.year}. {book.period}"
    header_row = 5
    for index, column in enumerate(book.columns, start=1):
        cell = sheet.cell(row=header_row, column=index, value=column.title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width_chars
    for offset, values in enumerate(book.rows, start=1):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=header_row + offset, column=index, value=value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
