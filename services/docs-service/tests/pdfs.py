"""PDFs with a real Vietnamese text layer, made with fpdf2 and DejaVu Sans."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def pdf_with_text(*lines: str, pad_to: int = 0) -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 8, line)
    data = bytes(pdf.output())
    if pad_to > len(data):
        # A comment before the final %%EOF keeps the PDF valid and reaches the wanted size.
        body, eof = data.rsplit(b"%%EOF", 1)
        data = body + b"%" + b"0" * (pad_to - len(data) - 2) + b"\n%%EOF" + eof
    return data
