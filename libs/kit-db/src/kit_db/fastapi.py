from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def session_scope(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit on success, roll back on any error, before the response."""
    maker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    async with maker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(session_scope, scope="function")]
