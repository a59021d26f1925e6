"""Secrets at rest: AES-256-GCM sealing and keyed hashes, each under its own key derived (HKDF-SHA256)
from ``Settings.encryption_key``, so one configured secret never serves two purposes.

A sealed value is ``version byte | 12-byte nonce | ciphertext+tag``; the caller's ``context`` (e.g.
``totp:<factor id>``) is authenticated with it, so a ciphertext copied to another row does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


class SealedValueUnreadable(Exception):
    """The key is not the one this value was sealed with (IDENTITY_ENCRYPTION_KEY changed?) or it was altered."""


def derive_key(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"identity:{purpose}".encode()).derive(
        secret.encode()
    )


def seal(secret: str, plaintext: bytes, *, context: str) -> bytes:
    nonce = secrets.token_bytes(12)
    box = AESGCM(derive_key(secret, "seal"))
    return _VERSION + nonce + box.encrypt(nonce, plaintext, context.encode())


def unseal(secret: str, sealed: bytes, *, context: str) -> bytes:
    if sealed[:1] != _VERSION:
        raise SealedValueUnreadable(f"unknown sealed-value version {sealed[:1]!r}")
    box = AESGCM(derive_key(secret, "seal"))
    try:
        return box.decrypt(sealed[1:13], sealed[13:], context.encode())
    except InvalidTag as exc:
        raise SealedValueUnreadable(f"cannot open the value sealed for {context}") from exc


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 (hex): a leaked table of these cannot be brute-forced without the key."""
    return hmac.new(derive_key(secret, purpose), value.encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a 256-bit random token: enough, as such a token cannot be guessed offline."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)
