"""Statements whose SQL differs between PostgreSQL and SQLite; repositories call these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement


def dialect_name(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


async def insert_ignore_returning(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], returning: ColumnElement[Any]
) -> list[Any]:
    """Insert rows, skip those that conflict with a unique key, return ``returning`` of those inserted.

    One statement whatever the number of rows (executemany with RETURNING), so its compiled form is
    cached instead of rebuilt for every batch size.
    """
    if not rows:
        return []
    module = postgresql if dialect_name(session) == "postgresql" else sqlite
    stmt = module.insert(table).on_conflict_do_nothing().returning(returning)
    return list((await session.execute(stmt, list(rows))).scalars())
