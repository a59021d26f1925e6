"""SMS for notify-service: provider adapters (generic JSON over HTTP, Vietnamese brand-name gateway),
``SmsRouter`` with health-driven failover, the receipts endpoint, settings, and a simulator peer
(``notify_service.sms.simulator``)."""

from .base import ProviderResult, Receipt, SmsProvider, Verdict
from .brandname import BrandnameProvider
from .endpoints import health_router, receipts_router
from .generic import GenericHttpProvider
from .health import HealthPolicy, ProviderHealth, ProviderState
from .metrics import SmsCollector
from .router import SmsOutcome, SmsRouter
from .settings import SmsProviderConfig, SmsSettings, build_provider, open_sms_router
from .text import strip_diacritics

__all__ = [
    "BrandnameProvider",
    "GenericHttpProvider",
    "HealthPolicy",
    "ProviderHealth",
    "ProviderResult",
    "ProviderState",
    "Receipt",
    "SmsCollector",
    "SmsOutcome",
    "SmsProvider",
    "SmsProviderConfig",
    "SmsRouter",
    "SmsSettings",
    "Verdict",
    "build_provider",
    "health_router",
    "open_sms_router",
    "receipts_router",
    "strip_diacritics",
]
