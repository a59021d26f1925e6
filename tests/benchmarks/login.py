"""``make bench-login``: password + TOTP logins per second, with the production argon2id parameters
(identity's defaults, or whatever IDENTITY_ARGON2_MEMORY_KIB / _TIME_COST / _PARALLELISM say).

identity-service runs as its own uvicorn process on PostgreSQL (as in `make up`); this script
seeds N users (one shared password hash, one TOTP secret each: a TOTP code is accepted once per
user and time step, so every login needs its own user), then runs the two login steps for all of
them with C concurrent clients over loopback HTTP and prints logins/s and per-login latency
(step 1 + step 2). Asserts nothing.

Keycloak's published sizing is 15 password logins per second per vCPU; this machine has 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime

import httpx
import pyotp
from pydantic import SecretStr

from identity_service import MIGRATIONS
from identity_service.agency.repository import AgencyRepository
from identity_service.config import Settings
from identity_service.dependencies import Context
from identity_service.models import Role
from identity_service.otp.service import totp as totp_service
from identity_service.password.service import password as password_service
from identity_service.user.schemas import UserCreate
from identity_service.user.service import user as user_service
from kit_bus.outbox import SOURCE
from kit_core import configure_logging, new_id
from kit_db import drop_database, ensure_database, make_engine, make_sessionmaker, upgrade

PG = os.environ.get("EGOV_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:55432")
PASSWORD = "Mật khẩu đo tải 2026"  # noqa: S105 - a throwaway benchmark database


async def seed(url: str, settings: Settings, users: int) -> list[tuple[str, str]]:
    engine = make_engine(url=url)
    ctx = Context.offline(settings)
    accounts = []
    try:
        async with make_sessionmaker(engine, **{SOURCE: settings.service_name})() as session, session.begin():
            agency = await AgencyRepository(session).upsert(
                id=new_id(),
                code="000.00.00.H42",
                name="Ủy ban nhân dân tỉnh Ninh Bình",
                tier="province",
                parent_id=None,
                active=True,
                at=datetime.now(UTC),
            )
            shared_hash = await password_service.hash(settings, PASSWORD)
            for n in range(users):
                user = await user_service.create(
                    session,
                    ctx,
                    UserCreate(
                        username=f"bench.{n:05d}",
                        full_name=f"Người dùng {n}",
                        agency_id=agency.id,
                        roles=[Role.SPECIALIST],
                    ),
                    actor=None,
                )
                user.password_hash, user.password_changed_at = shared_hash, ctx.now()
                secret = pyotp.random_base32()
                await totp_service.install_known(session, ctx, user, secret)
                accounts.append((user.username, secret))
    finally:
        await engine.dispose()
    return accounts


async def login(client: httpx.AsyncClient, username: str, secret: str) -> float:
    started = time.perf_counter()
    challenge = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    challenge.raise_for_status()
    tokens = await client.post(
        "/api/v1/auth/login/verify",
        json={
            "challenge_id": challenge.json()["challenge_id"],
            "factor": "totp",
            "code": pyotp.TOTP(secret).now(),
        },
    )
    tokens.raise_for_status()
    return time.perf_counter() - started


async def bench(users: int, concurrency: int, port: int) -> dict[str, float | str]:
    url = f"{PG}/bench_login_{new_id().hex[-10:]}"
    env = {
        **os.environ,
        "IDENTITY_DATABASE_URL": url,
        "IDENTITY_PORT": str(port),
        "IDENTITY_LOG_LEVEL": "WARNING",
        "IDENTITY_ENV": "development",
    }
    settings = Settings(
        database_url=SecretStr(url), env="development"
    )  # argon2id from IDENTITY_ARGON2_* or defaults
    await ensure_database(url)
    await asyncio.to_thread(upgrade, url, MIGRATIONS)
    accounts = await seed(url, settings, users)
    server = await asyncio.create_subprocess_exec(sys.executable, "-m", "identity_service", "serve", env=env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            await login(client, *accounts.pop())  # warm-up: connections, the signing key, the dummy hash
            queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
            for account in accounts:
                queue.put_nowait(account)
            latencies: list[float] = []

            async def worker() -> None:
                while not queue.empty():
                    latencies.append(await login(client, *queue.get_nowait()))

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        quantiles = statistics.quantiles(latencies, n=100)
        return {
            "logins": len(latencies),
            "concurrency": concurrency,
            "seconds": round(elapsed, 2),
            "logins_per_s": round(len(latencies) / elapsed, 2),
            "per_vcpu": round(len(latencies) / elapsed / (os.cpu_count() or 1), 2),
            "p50_ms": round(quantiles[49] * 1000, 1),
            "p99_ms": round(quantiles[98] * 1000, 1),
            "argon2": f"{settings.argon2_memory_kib // 1024} MiB, t={settings.argon2_time_cost}, "
            f"p={settings.argon2_parallelism}",
        }
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=30)
        await drop_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(prog="tests.benchmarks.login")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8191)
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    r = asyncio.run(bench(args.users, args.concurrency, args.port))
    sys.stdout.write(
        "login benchmark: POST /auth/login (argon2id) + POST /auth/login/verify (TOTP), identity on PostgreSQL\n"
        f"  {r['logins_per_s']} logins/s with {r['concurrency']} clients ({r['logins']} logins in {r['seconds']} s;"
        f" argon2id {r['argon2']})\n"
        f"  per login (both steps): p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms\n"
        f"  {r['per_vcpu']} logins/s per vCPU; Keycloak's published sizing: 15 password logins/s per vCPU\n"
        f"{json.dumps(r, ensure_ascii=False)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
