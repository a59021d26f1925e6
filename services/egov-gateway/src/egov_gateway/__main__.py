import sys
from pathlib import Path

from kit_bus.cli import main

from .app import create_app
from .config import Settings
from .directory_sync.handlers import HANDLERS

if __name__ == "__main__":
    sys.exit(
        main(
            settings_factory=Settings,
            app_factory=create_app,
            handlers=HANDLERS,
            migrations=Path(__file__).parent / "migrations",
        )
    )
