"""Every event routing-service consumes, by domain."""

from kit_bus import Handler
from kit_contracts import Event

from .delivery.handlers import HANDLERS as DELIVERY_HANDLERS
from .dispatch.handlers import HANDLERS as DISPATCH_HANDLERS
from .external.handlers import HANDLERS as EXTERNAL_HANDLERS

HANDLERS: dict[type[Event], Handler] = {**DISPATCH_HANDLERS, **DELIVERY_HANDLERS, **EXTERNAL_HANDLERS}
