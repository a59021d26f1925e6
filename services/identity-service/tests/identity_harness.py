"""The identity suite's harness: helpers that drive the service the way a client does, over HTTP,
with a clock the tests move. (A uniquely named module, not conftest: other suites import theirs.)"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from identity_rfc6238 import code as totp_code
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service import models
from identity_service.config import Settings
from identity_service.dependencies import Context
from identity_service.user.schemas import UserCreate
from identity_service.user.service import user as user_service
from kit_bus import outbox_table
from kit_bus.outbox import SOURCE
from kit_bus.testing import ServiceUnderTest, publish
from kit_contracts import OrgCreated, Tier
from kit_core import FixedClock
from kit_db import make_engine, make_sessionmaker

PASSWORD = "Sông Đáy chảy qua Ninh Bình"  # noqa: S105 - test data
PROVINCE = ("000.00.00.H42", "Ủy ban nhân dân tỉnh Ninh Bình", Tier.PROVINCE)
OFFICE = ("000.00.01.H42", "Văn phòng Ủy ban nhân dân tỉnh Ninh Bình", Tier.PROVINCE)
DISTRICT = ("000.00.15.H42", "Ủy ban nhân dân huyện Kim Sơn", Tier.DISTRICT)


def settings_for(url: str, **overrides: Any) -> Settings:
    """Small argon2 parameters (allowed for env=test only) keep a suite of logins fast."""
    values: dict[str, Any] = {
        "database_url": url,
        "env": "test",
        "argon2_memory_kib": 256,
        "argon2_time_cost": 1,
        "argon2_parallelism": 1,
        "relay_poll_seconds": 0.05,
    }
    return Settings(**(values | overrides))


@dataclass
class Identity:
    running: ServiceUnderTest
    clock: FixedClock
    settings: Settings

    @property
    def client(self) -> httpx.AsyncClient:
        return self.running.client

    def code(self, secret: str, *, at: datetime | None = None) -> str:
        return totp_code(
            secret,
            at or self.clock.now(),
            algorithm=self.settings.otp_algorithm,
            digits=self.settings.otp_digits,
        )

    def tick(self, seconds: float = 30) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A transaction on the service's database, outside its API (setup and tampering)."""
        engine = make_engine(url=self.running.database_url, pool_size=1)
        try:
            maker = make_sessionmaker(engine, **{SOURCE: self.settings.service_name})
            async with maker() as session, session.begin():
                yield session
        finally:
            await engine.dispose()

    async def agency(self, spec: tuple[str, str, Tier] = PROVINCE, **extra: Any) -> UUID:
        code, name, tier = spec
        event = OrgCreated(org_id=uuid4(), code=code, name=name, tier=tier, **extra)
        await publish(self.running.bus, [event])
        return event.org_id

    async def user(
        self,
        username: str,
        agency_id: UUID,
        roles: list[str] | None = None,
        *,
        password: str = PASSWORD,
        **contacts: str,
    ) -> UUID:
        async with self.session() as session:
            user = await user_service.create(
                session,
                Context.offline(self.settings, self.clock),
                UserCreate(
                    username=username,
                    full_name=f"Người dùng {username}",
                    agency_id=agency_id,
                    roles=roles or ["specialist"],
                    password=password,
                    **contacts,
                ),
                actor=None,
            )
            return user.id

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post("/api/v1/auth/login", json={"username": username, "password": password})

    async def verify(self, challenge: dict[str, Any], code: str, factor: str = "totp") -> httpx.Response:
        body = {"challenge_id": challenge["challenge_id"], "factor": factor, "code": code}
        return await self.client.post("/api/v1/auth/login/verify", json=body)

    async def enrol(self, username: str, password: str = PASSWORD) -> tuple[str, dict[str, Any]]:
        """First login of a user without a factor: set up TOTP and confirm it. (secret, tokens)"""
        response = await self.login(username, password)
        assert response.status_code == 200, response.text
        challenge = response.json()
        assert challenge["enroll"] == ["totp"], challenge
        enrolment = await self.client.post(
            "/api/v1/auth/login/totp", json={"challenge_id": challenge["challenge_id"]}
        )
        assert enrolment.status_code == 200, enrolment.text
        secret = enrolment.json()["secret"]
        tokens = await self.verify(challenge, self.code(secret))
        assert tokens.status_code == 200, tokens.text
        return secret, tokens.json()

    async def sign_in(self, username: str, secret: str, password: str = PASSWORD) -> dict[str, Any]:
        """A complete password + TOTP login, one time step after the last (codes are single use)."""
        self.tick(30)
        response = await self.login(username, password)
        assert response.status_code == 200, response.text
        tokens = await self.verify(response.json(), self.code(secret))
        assert tokens.status_code == 200, tokens.text
        return dict(tokens.json())

    async def admin(
        self, agency_id: UUID, username: str = "quantri", roles: list[str] | None = None
    ) -> dict[str, Any]:
        await self.user(username, agency_id, roles or ["system_admin", "agency_admin"])
        _, tokens = await self.enrol(username)
        return tokens

    async def audit(self, *, user_id: UUID | None = None) -> list[models.AuthAudit]:
        stmt = select(models.AuthAudit).order_by(models.AuthAudit.id)
        if user_id is not None:
            stmt = stmt.where(models.AuthAudit.user_id == user_id)
        async with self.session() as session:
            return list((await session.execute(stmt)).scalars())

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        stmt = (
            select(outbox_table.c.payload)
            .where(outbox_table.c.type == event_type)
            .order_by(outbox_table.c.seq)
        )
        rows = await self.running.rows(stmt)
        return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
