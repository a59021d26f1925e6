"""Deletes what no login, refresh or investigation can use any more, a bounded batch at a time."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models


class HousekeepingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _delete_batch(self, model: Any, condition: ColumnElement[bool], batch: int) -> int:
        ids = select(model.id).where(condition).limit(batch).scalar_subquery()
        result = await self.session.execute(delete(model).where(model.id.in_(ids)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def login_codes(self, *, before: datetime, batch: int) -> int:
        """The codes of challenges that go in this pass (a code never outlives its challenge)."""
        stale = select(models.LoginChallenge.id).where(models.LoginChallenge.expires_at < before)
        return await self._delete_batch(models.LoginCode, models.LoginCode.challenge_id.in_(stale), batch)

    async def challenges(self, *, before: datetime, batch: int) -> int:
        return await self._delete_batch(
            models.LoginChallenge, models.LoginChallenge.expires_at < before, batch
        )

    async def password_resets(self, *, before: datetime, batch: int) -> int:
        return await self._delete_batch(models.PasswordReset, models.PasswordReset.expires_at < before, batch)

    async def refresh_tokens(self, *, before: datetime, batch: int) -> int:
        """Spent or expired refresh tokens: a spent one is kept until its expiry so that replaying it is
        still recognised as reuse (which revokes the session) rather than as an unknown token."""
        return await self._delete_batch(models.RefreshToken, models.RefreshToken.expires_at < before, batch)

    async def sessions(self, *, before: datetime, batch: int) -> int:
        """Sessions that ended (expired or revoked) before then and hold no refresh token any more."""
        ended = or_(models.AuthSession.expires_at < before, models.AuthSession.revoked_at < before)
        no_tokens = ~exists().where(models.RefreshToken.session_id == models.AuthSession.id)
        return await self._delete_batch(models.AuthSession, ended & no_tokens, batch)
