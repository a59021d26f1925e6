import sys

from kit_bus.cli import main
from kit_core import SystemClock

from . import MIGRATIONS
from .app import create_app
from .commands import COMMANDS
from .config import Settings
from .wiring import handlers

if __name__ == "__main__":
    sys.exit(
        main(
            settings_factory=Settings,
            app_factory=create_app,
            handlers=handlers(SystemClock()),
            migrations=MIGRATIONS,
            commands=COMMANDS,
        )  # `worker` runs the loops the app declares: outbound, inbound, statistics
    )
