"""A simulator configured to stand in for the providers in ``SmsSettings`` (embedded mode): the
accounts' credentials, and receipts posted to notify's receipts endpoint for each of them."""

from __future__ import annotations

from notify_service.sms.endpoints import RECEIPTS_PATH
from notify_service.sms.settings import SmsSettings

from .app import Behaviour, SimulatorConfig


def config_matching(
    settings: SmsSettings, *, notify_url: str, behaviour: Behaviour | None = None
) -> SimulatorConfig:
    """One simulator for the first generic and the first brand-name provider in ``settings``.

    ``notify_url`` is where notify-service answers (``http://127.0.0.1:8000`` in embedded mode).
    """
    generic = next((p for p in settings.providers if p.kind == "generic"), None)
    brandname = next((p for p in settings.providers if p.kind == "brandname"), None)
    if generic is None and brandname is None:
        raise ValueError("no provider to simulate")
    base = notify_url.rstrip("/")
    config = SimulatorConfig(behaviour=behaviour or Behaviour())
    if generic is not None:
        config.api_key = generic.api_key
        config.receipt_token = generic.receipt_secret
        config.generic_callback_url = base + RECEIPTS_PATH.format(provider=generic.name)
    if brandname is not None:
        config.username = brandname.username
        config.password = brandname.password
        config.brandnames = [brandname.brandname]
        config.brandname_receipt_token = brandname.receipt_secret
        config.brandname_callback_url = base + RECEIPTS_PATH.format(provider=brandname.name)
    return config
