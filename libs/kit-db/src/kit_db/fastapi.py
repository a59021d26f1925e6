from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_core import AppError, problem_response


async def session_scope(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, settled before the response: commit on success, roll back on any
    error, except an ``AppError`` that ``keeps_changes`` (its writes are committed, then it is raised)."""
    maker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    async with maker() as session:
        transaction = await session.begin()
        try:
            yield session
        except AppError as exc:
            await (transaction.commit() if exc.keeps_changes else transaction.rollback())
            raise
        except BaseException:
            await transaction.rollback()
            raise
        await transaction.commit()


SessionDep = Annotated[AsyncSession, Depends(session_scope, scope="function")]


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness before writing; this is the race those checks cannot see (two
    # requests creating the same thing at once). The transaction has been rolled back.
    return problem_response(
        409,
        "Conflict",
        detail="another request changed the same record at the same time; read it again and retry",
        instance=request.url.path,
        type_uri="https://egov.example.vn/problems/concurrent-change",
    )


def install_db_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(IntegrityError, _integrity_error)
