"""docs-service's outgoing documents: the replica of issued ones, their recalls and replacements."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import Envelope, Handler
from kit_contracts import DocumentIssued, DocumentRecalled, DocumentReplaced, Event

from .service import dispatch as dispatch_service


async def on_document_issued(session: AsyncSession, event: DocumentIssued, envelope: Envelope) -> None:
    await dispatch_service.keep_issued(session, event)


async def on_document_recalled(session: AsyncSession, event: DocumentRecalled, envelope: Envelope) -> None:
    await dispatch_service.recall(session, event)


async def on_document_replaced(session: AsyncSession, event: DocumentReplaced, envelope: Envelope) -> None:
    await dispatch_service.replace(session, event)


HANDLERS: dict[type[Event], Handler] = {
    DocumentIssued: on_document_issued,
    DocumentRecalled: on_document_recalled,
    DocumentReplaced: on_document_replaced,
}
