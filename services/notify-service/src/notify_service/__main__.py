import sys

from kit_bus.cli import main
from kit_core import SystemClock

from . import MIGRATIONS
from .app import create_app
from .config import Settings
from .delivery.worker import sending_worker
from .dependencies import NotifyState
from .notification.handlers import make_handlers

if __name__ == "__main__":
    settings = Settings()
    # `worker` runs consumers and the sender in one process: they share the state (the wake-up call).
    state = NotifyState(settings=settings, clock=SystemClock())
    sys.exit(
        main(
            settings_factory=lambda: settings,
            app_factory=create_app,
            handlers=make_handlers(state),
            migrations=MIGRATIONS,
            workers=[sending_worker(state)],
        )
    )
