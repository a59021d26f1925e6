"""Printing a register: its documents of a date range as the book NĐ 30/2020 Phụ lục IV describes."""

from __future__ import annotations

from datetime import date
from typing import Final

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from docs_service.register.service import vietnam_date

from . import render
from .render import Book, Cell

S = models.DocumentStatus
NOTES: Final = {
    S.RECALLED.value: "Đã thu hồi",
    S.REPLACED.value: "Đã bị thay thế",
    S.RETURNED.value: "Đã trả lại",
}


def _code(doc: models.Document) -> str:
    return f"{doc.number_text}/{doc.notation}" if doc.number_text and doc.notation else (doc.notation or "")


def _note(doc: models.Document) -> str:
    note = NOTES.get(doc.status, "")
    if doc.status == S.RECALLED.value and doc.recall_reason:
        note += f": {doc.recall_reason}"
    return note


def _outgoing_row(doc: models.Document) -> list[Cell]:
    return [
        _code(doc),
        doc.document_date,
        f"{doc.type_name} {doc.subject}",
        doc.signer_name,
        doc.recipients_text,
        doc.drafting_unit,
        doc.copies,
        vietnam_date(doc.issued_at) if doc.issued_at else None,
        None,  # Ký nhận: signed by hand on paper
        _note(doc),
    ]


def _incoming_row(doc: models.Document) -> list[Cell]:
    return [
        doc.arrival_date,
        doc.arrival_number,
        doc.sender_name,
        _code(doc),
        doc.document_date,
        f"{doc.type_name} {doc.subject}",
        None,  # Đơn vị hoặc người nhận, Ngày chuyển, Ký nhận: filled in by the clerk on paper
        None,
        None,
        _note(doc),
    ]


class PrintingService:
    async def book(
        self, session: AsyncSession, register: models.Register, date_from: date, date_to: date
    ) -> Book:
        D = models.Document
        outgoing = register.kind == models.RegisterKind.OUTGOING.value
        if outgoing:
            stmt = (
                select(D)
                .where(D.register_id == register.id, D.document_date >= date_from, D.document_date <= date_to)
                .order_by(D.number)
            )
        else:
            stmt = (
                select(D)
                .where(
                    D.arrival_register_id == register.id,
                    D.arrival_date >= date_from,
                    D.arrival_date <= date_to,
                )
                .order_by(D.arrival_number)
            )
        docs = (await session.execute(stmt.where(D.org_id == register.agency_id))).scalars().all()
        agency = await AgencyRepository(session).get(register.agency_id)
        return Book(
            outgoing=outgoing,
            register_title=register.title,
            agency_name=agency.name if agency else "",
            year=register.year,
            date_from=date_from,
            date_to=date_to,
            rows=[_outgoing_row(d) if outgoing else _incoming_row(d) for d in docs],
        )

    async def pdf(self, book: Book) -> bytes:
        return await anyio.to_thread.run_sync(render.pdf, book)

    async def xlsx(self, book: Book) -> bytes:
        return await anyio.to_thread.run_sync(render.xlsx, book)


printing = PrintingService()
