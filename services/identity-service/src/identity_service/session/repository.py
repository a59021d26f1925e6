from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update

from identity_service import models
from kit_db import RepositoryBase


class ChallengeRepository(RepositoryBase[models.LoginChallenge]):
    model = models.LoginChallenge

    async def open(self, challenge_id: UUID, *, now: datetime) -> models.LoginChallenge | None:
        stmt = select(models.LoginChallenge).where(
            models.LoginChallenge.id == challenge_id,
            models.LoginChallenge.completed_at.is_(None),
            models.LoginChallenge.expires_at > now,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def take_attempt(self, challenge_id: UUID, *, now: datetime, max_attempts: int) -> UUID | None:
        """Count one code attempt on a live challenge; its user, or None if it is expired, done or spent."""
        stmt = (
            update(models.LoginChallenge)
            .where(
                models.LoginChallenge.id == challenge_id,
                models.LoginChallenge.completed_at.is_(None),
                models.LoginChallenge.expires_at > now,
                models.LoginChallenge.attempts < max_attempts,
            )
            .values(attempts=models.LoginChallenge.attempts + 1)
            .returning(models.LoginChallenge.user_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def complete(self, challenge_id: UUID, *, at: datetime) -> bool:
        stmt = (
            update(models.LoginChallenge)
            .where(models.LoginChallenge.id == challenge_id, models.LoginChallenge.completed_at.is_(None))
            .values(completed_at=at)
            .returning(models.LoginChallenge.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None


class SessionRepository(RepositoryBase[models.AuthSession]):
    model = models.AuthSession

    async def revoke(self, session_id: UUID, *, at: datetime, reason: str) -> bool:
        """Revoke one session (a refresh-token family); False if it already was."""
        stmt = (
            update(models.AuthSession)
            .where(models.AuthSession.id == session_id, models.AuthSession.revoked_at.is_(None))
            .values(revoked_at=at, revoked_reason=reason)
            .returning(models.AuthSession.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def revoke_for_user(
        self,
        user_id: UUID,
        *,
        at: datetime,
        reason: str,
        keep: UUID | None = None,
        agency_id: UUID | None = None,
    ) -> int:
        conditions = [models.AuthSession.user_id == user_id, models.AuthSession.revoked_at.is_(None)]
        if keep is not None:
            conditions.append(models.AuthSession.id != keep)
        if agency_id is not None:
            conditions.append(models.AuthSession.agency_id == agency_id)
        stmt = (
            update(models.AuthSession)
            .where(*conditions)
            .values(revoked_at=at, revoked_reason=reason)
            .returning(models.AuthSession.id)
        )
        return len((await self.session.execute(stmt)).scalars().all())


class RefreshTokenRepository(RepositoryBase[models.RefreshToken]):
    model = models.RefreshToken

    async def by_hash(self, token_hash: str) -> models.RefreshToken | None:
        stmt = select(models.RefreshToken).where(models.RefreshToken.token_hash == token_hash)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def use(self, token_hash: str, *, now: datetime) -> UUID | None:
        """Spend a live, unused token (once, even under concurrency); its session id, or None."""
        stmt = (
            update(models.RefreshToken)
            .where(
                models.RefreshToken.token_hash == token_hash,
                models.RefreshToken.used_at.is_(None),
                models.RefreshToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(models.RefreshToken.session_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()
