import sys

from kit_bus.cli import main

from . import MIGRATIONS
from .app import create_app
from .commands import COMMANDS
from .config import Settings
from .handlers import HANDLERS

if __name__ == "__main__":
    sys.exit(
        main(
            settings_factory=Settings,
            app_factory=create_app,
            handlers=HANDLERS,
            migrations=MIGRATIONS,
            commands=COMMANDS,
        )
    )
