"""``publish_stats``: pushes each agency's monthly numbers to the Government portal on a schedule.

A push is idempotent per agency and month: the portal gets an ``Idempotency-Key`` of the agency, month
and numbers, and the gateway records the fingerprint it last delivered, so an agency-month is sent again
only when its numbers changed. The network call happens outside any transaction.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from egov_gateway.axis import AxisClient, AxisError
from egov_gateway.config import Settings
from egov_gateway.packages.workers import Stopping, axis_client
from kit_bus.runtime import Runtime, Worker
from kit_core import Clock, get_logger

from .repository import StatsRepository
from .schemas import AgencyStats
from .service import fingerprint, month_of, previous_month, stats

log = get_logger(__name__)


async def publish_pass(
    sessionmaker: async_sessionmaker[AsyncSession], client: AxisClient, settings: Settings, clock: Clock
) -> int:
    """One round over the months in scope; returns how many agency-months were pushed."""
    month = month_of(clock.now())
    months = [month]
    for _ in range(settings.stats_publish_months - 1):
        months.append(previous_month(months[-1]))
    due: list[tuple[AgencyStats, str]] = []
    async with sessionmaker() as session:
        repository = StatsRepository(session)
        for wanted in months:
            for row in await stats.month_stats(session, wanted, None):
                if not row.agency_code:
                    continue  # not (yet) in the directory replica: the portal knows agencies by code
                digest = fingerprint(row)
                last = await repository.publication(row.agency_id, row.month)
                if last is None or last.sha256 != digest:
                    due.append((row, digest))
    pushed = 0
    for row, digest in due:
        payload = {
            "system_id": settings.axis_system_id,
            **row.model_dump(mode="json"),
            "fingerprint": digest,
            "generated_at": clock.now().isoformat(),
        }
        try:
            await client.publish_stats(payload, idempotency_key=f"{row.agency_code}:{row.month}:{digest}")
        except AxisError as exc:
            log.warning("stats.publish_failed", agency=row.agency_code, month=row.month, reason=str(exc))
            continue  # the next round tries again
        async with sessionmaker() as session, session.begin():
            await StatsRepository(session).published(row.agency_id, row.month, digest, clock.now())
        pushed += 1
        log.info("stats.published", agency=row.agency_code, month=row.month)
    return pushed


def publish_worker(
    settings: Settings, clock: Clock, *, transport: httpx.AsyncBaseTransport | None = None
) -> Worker:
    async def publish_stats(runtime: Runtime) -> None:
        async with axis_client(settings, runtime, transport, base_url=settings.portal_url) as client:
            while True:
                try:
                    await publish_pass(runtime.sessionmaker, client, settings, clock)
                except Stopping:
                    return
                except Exception:
                    log.exception("stats.pass_failed")
                if await runtime.pause(settings.stats_publish_seconds):
                    return

    return publish_stats
