"""Every event handler of the service, in one table (the app and the CLI's consumer share it)."""

from kit_bus import Handler
from kit_contracts import Event
from kit_core import Clock

from .directory_sync.handlers import HANDLERS as DIRECTORY_HANDLERS
from .packages.handlers import handlers as package_handlers


def handlers(clock: Clock | None = None) -> dict[type[Event], Handler]:
    return {**DIRECTORY_HANDLERS, **package_handlers(clock)}
