import sys
from pathlib import Path

from kit_bus.cli import main
from kit_core import SystemClock

from .agency.handlers import make_handlers
from .app import create_app
from .config import Settings

if __name__ == "__main__":
    sys.exit(
        main(
            settings_factory=Settings,
            app_factory=create_app,
            handlers=make_handlers(SystemClock()),
            migrations=Path(__file__).parent / "migrations",
        )
    )
