import sys

from kit_bus.cli import main
from kit_core import SystemClock

from . import MIGRATIONS
from .app import create_app, make_handlers
from .commands import COMMANDS
from .config import Settings

if __name__ == "__main__":
    sys.exit(
        main(
            settings_factory=Settings,
            app_factory=create_app,
            handlers=make_handlers(SystemClock()),
            migrations=MIGRATIONS,
            commands=COMMANDS,
        )
    )
