import sys

from kit_bus.cli import main

from . import MIGRATIONS
from .app import create_app
from .commands import COMMANDS
from .config import Settings

if __name__ == "__main__":
    sys.exit(
        main(
            settings_factory=Settings,
            app_factory=create_app,
            migrations=MIGRATIONS,
            commands=COMMANDS,
        )  # handlers and loops (outbound, inbound, statistics) come from the app (kit_bus.cli)
    )
