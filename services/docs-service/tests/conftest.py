import pytest

from docs_service import MIGRATIONS
from docs_service.app import create_app
from docs_service.config import Settings
from kit_bus.testing import DIALECTS, service_under_test


def started(dialect, folder, *, clock=None, max_file_bytes=2 * 1024 * 1024):
    return service_under_test(
        lambda url, bus, verifier: create_app(
            Settings(
                database_url=url,
                env="test",
                blob_dir=folder / "blobs",
                signing_dir=folder / "signing",
                max_file_bytes=max_file_bytes,
            ),
            bus=bus,
            clock=clock,
            verifier=verifier,
        ),
        migrations=MIGRATIONS,
        dialect=dialect,
        name="docs",
        folder=folder,
    )  # every event arrives twice: the registers must not double


@pytest.fixture
def start():
    """``start(dialect, folder, clock=...)``: the service on a clock of the test's choosing."""
    return started


@pytest.fixture(params=DIALECTS)
async def service(request, tmp_path):
    async with started(request.param, tmp_path) as running:
        yield running
