import sys

from fastapi import FastAPI

from kit_bus.cli import main

from . import MIGRATIONS
from .app import create_app
from .config import Settings
from .sms.settings import SmsSettings


def app_factory(settings: Settings, run_workers: bool = True) -> FastAPI:
    """The app with its own SMS router from NOTIFY_SMS_* (the simulator on :8191 by default)."""
    return create_app(settings, run_workers=run_workers, sms_settings=SmsSettings())


# What the service consumes and its background loops (the sender) come from the app (kit_bus.cli).
if __name__ == "__main__":
    sys.exit(main(settings_factory=Settings, app_factory=app_factory, migrations=MIGRATIONS))
