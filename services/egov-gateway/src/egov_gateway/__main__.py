import sys

from kit_bus.cli import main
from kit_core import SystemClock

from . import MIGRATIONS
from .app import create_app
from .commands import COMMANDS
from .config import Settings
from .packages.workers import inbound_worker, outbound_worker
from .stats.workers import publish_worker
from .wiring import handlers

if __name__ == "__main__":
    settings = Settings()
    clock = SystemClock()
    sys.exit(
        main(
            settings_factory=lambda: settings,
            app_factory=create_app,
            handlers=handlers(clock),
            migrations=MIGRATIONS,
            commands=COMMANDS,
            workers=[
                outbound_worker(settings, clock),
                inbound_worker(settings, clock),
                publish_worker(settings, clock),
            ],
        )
    )
