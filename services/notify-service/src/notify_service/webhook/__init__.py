"""Webhook primitives for partner deliveries, pure logic without tables: Standard Webhooks signing
and verification with secret rotation, the SSRF guard for target URLs, and retry classification with
a backoff schedule of at least 24 hours."""

from .exceptions import TargetRefused, WebhookVerificationError
from .retry import Decision, RetryPolicy, classify, retry_after
from .signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    WebhookSigner,
    WebhookVerifier,
    generate_secret,
    secret_key,
    signature,
)
from .targets import check_target, system_resolver, why_not_public

__all__ = [
    "HEADER_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "Decision",
    "RetryPolicy",
    "TargetRefused",
    "WebhookSigner",
    "WebhookVerificationError",
    "WebhookVerifier",
    "check_target",
    "classify",
    "generate_secret",
    "retry_after",
    "secret_key",
    "signature",
    "system_resolver",
    "why_not_public",
]
