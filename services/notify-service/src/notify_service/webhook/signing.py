"""Webhook signatures in the Standard Webhooks layout (https://www.standardwebhooks.com/).

Every delivery carries three headers:

- ``webhook-id``: the delivery's id; the same on every retry of it, so partners deduplicate on it
  (it is the idempotency key);
- ``webhook-timestamp``: Unix seconds when this attempt was signed;
- ``webhook-signature``: space-separated ``v1,<base64>`` entries, one per active secret.

Each entry is ``base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))`` over the exact
body bytes. The signed content covers the timestamp and the body, as the issue asks, and also the id,
as the standard does, so a captured body cannot be replayed under another id and partners can use
the Standard Webhooks libraries unchanged.

Secrets are ``whsec_`` + base64 of 24 to 64 random bytes (``generate_secret``); the key is the
decoded bytes. **Rotation**: while a partner moves to a new secret, the subscription has two active
secrets and every delivery is signed with both; the partner's verifier accepts the delivery if any
entry matches any secret it holds, so neither side has to switch at the same instant.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from kit_core import Clock, SystemClock

from .exceptions import WebhookVerificationError

HEADER_ID: Final = "webhook-id"
HEADER_TIMESTAMP: Final = "webhook-timestamp"
HEADER_SIGNATURE: Final = "webhook-signature"
SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format prefix, not a secret
VERSION: Final = "v1"
MAX_ACTIVE_SECRETS: Final = 2


def generate_secret(n_bytes: int = 32) -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(n_bytes)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key in a ``whsec_…`` secret."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("a webhook secret holds 24 to 64 bytes")
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` entry."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    return f"{VERSION}," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


class WebhookSigner:
    """Signs deliveries with a subscription's active secrets (one, or two during a rotation)."""

    def __init__(self, active_secrets: Sequence[str], *, clock: Clock | None = None) -> None:
        if not 1 <= len(active_secrets) <= MAX_ACTIVE_SECRETS:
            raise ValueError("a subscription signs with one secret, or two while rotating")
        self._keys = [secret_key(s) for s in active_secrets]
        self.clock: Clock = clock or SystemClock()

    def headers(self, msg_id: str, body: bytes) -> dict[str, str]:
        if not msg_id or any(c.isspace() or c == "." for c in msg_id):
            raise ValueError("a webhook id is non-empty, without spaces or dots")
        timestamp = int(self.clock.now().timestamp())
        return {
            HEADER_ID: msg_id,
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: " ".join(signature(key, msg_id, timestamp, body) for key in self._keys),
        }


class WebhookVerifier:
    """What a partner runs on receipt (and what our tests run): the signature must match one of the
    partner's secrets and the timestamp must be within ``tolerance`` of now, either way, so a
    captured delivery cannot be replayed later."""

    def __init__(
        self,
        secrets_held: Sequence[str],
        *,
        tolerance: timedelta = timedelta(minutes=5),
        clock: Clock | None = None,
    ) -> None:
        if not secrets_held:
            raise ValueError("a verifier needs at least one secret")
        self._keys = [secret_key(s) for s in secrets_held]
        self.tolerance = tolerance
        self.clock: Clock = clock or SystemClock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        """Return the webhook id of a genuine delivery; raise ``WebhookVerificationError`` otherwise.

        ``headers`` are looked up case-insensitively (pass ``request.headers`` as is).
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        msg_id = lowered.get(HEADER_ID)
        raw_timestamp = lowered.get(HEADER_TIMESTAMP)
        raw_signatures = lowered.get(HEADER_SIGNATURE)
        if not msg_id or not raw_timestamp or not raw_signatures:
            raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
        try:
            timestamp = int(raw_timestamp)
        except ValueError:
            raise WebhookVerificationError("webhook-timestamp is not Unix seconds") from None
        now = self.clock.now()
        try:
            sent = datetime.fromtimestamp(timestamp, tz=now.tzinfo)
        except (OverflowError, OSError, ValueError):
            raise WebhookVerificationError("webhook-timestamp is out of range") from None
        if abs(now - sent) > self.tolerance:
            raise WebhookVerificationError("webhook-timestamp is too old or in the future")
        offered = [
            entry.partition(",")[2].encode("ascii", "replace")
            for entry in raw_signatures.split()
            if entry.partition(",")[0] == VERSION
        ]
        for key in self._keys:
            expected = signature(key, msg_id, timestamp, body).partition(",")[2].encode("ascii")
            # Compare against every entry: stopping early would leak which secret matched, and when.
            matched = [hmac.compare_digest(expected, candidate) for candidate in offered]
            if any(matched):
                return msg_id
        raise WebhookVerificationError("no signature matches")
