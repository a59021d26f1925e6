"""Fixtures of the notify suite: the service on SQLite and on PostgreSQL (``DIALECTS``) with a clock
the tests move, e-mail into a folder unless a test asks for SMTP; helpers live in notify_harness."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

# Appended, not prepended: other suites import a module named `conftest` from their own folder.
sys.path.append(str(Path(__file__).parent))

from notify_harness import Notify, SmtpSink

from kit_bus.testing import DIALECTS, service_under_test
from kit_core import FixedClock
from notify_service import MIGRATIONS
from notify_service.app import create_app
from notify_service.config import Settings


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings for one test: parametrize ``overrides`` to change them."""
    return {}


@pytest.fixture
def sms_router() -> Any:
    """The SMS router the app sends through (none: SMS deliveries wait); test_sms gives a real one."""
    return None


@pytest.fixture
def run_workers() -> bool:
    """False: the app as `serve --no-workers` runs it (no consumer, no sending worker)."""
    return True


@pytest.fixture
def start() -> datetime:
    """Where the service's clock starts (the real time, to the second)."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def notify(
    dialect: str,
    tmp_path: Path,
    overrides: dict[str, Any],
    start: datetime,
    sms_router: Any,
    run_workers: bool,
) -> AsyncIterator[Notify]:
    clock = FixedClock(start)
    values: dict[str, Any] = {
        "env": "test",
        "mail_transport": "file",
        "mail_folder": tmp_path / "mail",
        "send_poll_seconds": 0.05,
        "sweep_interval_seconds": 0.05,
        "relay_poll_seconds": 0.05,
    }
    made: list[Settings] = []

    def factory(url: str, bus: Any, verifier: Any) -> Any:
        made.append(Settings(database_url=url, **(values | overrides)))
        return create_app(
            made[-1], bus=bus, verifier=verifier, clock=clock, sms=sms_router, run_workers=run_workers
        )

    async with service_under_test(
        factory, migrations=MIGRATIONS, dialect=dialect, name="notify", folder=tmp_path
    ) as running:  # every event arrives twice: nobody may be told twice
        yield Notify(running=running, clock=clock, settings=made[-1])


@pytest.fixture
def smtp() -> Any:
    with SmtpSink() as sink:
        yield sink
