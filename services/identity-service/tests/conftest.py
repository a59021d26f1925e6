"""Fixtures of the identity suite: the service on SQLite and on PostgreSQL (``DIALECTS``) with a
clock the tests move; the helpers live in identity_harness."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

# Appended, not prepended: other suites import a module named `conftest` from their own folder.
sys.path.append(str(Path(__file__).parent))

from identity_harness import Identity, settings_for

from identity_service import MIGRATIONS
from identity_service.app import create_app
from identity_service.config import Settings
from kit_bus.testing import DIALECTS, service_under_test
from kit_core import FixedClock


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings for one test: parametrize ``overrides`` to change them."""
    return {}


@pytest.fixture
async def identity(dialect: str, tmp_path: Path, overrides: dict[str, Any]) -> AsyncIterator[Identity]:
    # Five minutes behind the real clock: tokens minted here must also pass JwksVerifier, which
    # checks iat and exp against real time.
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))
    made: list[Settings] = []

    def factory(url: str, bus: Any, verifier: Any) -> Any:
        made.append(settings_for(url, **overrides))
        return create_app(made[-1], bus=bus, clock=clock, verifier=verifier)

    async with service_under_test(
        factory, migrations=MIGRATIONS, dialect=dialect, name="identity", folder=tmp_path
    ) as running:
        yield Identity(running=running, clock=clock, settings=made[-1])
