"""An independent TOTP (RFC 6238) for the tests: hmac and hashlib only, nothing from the service or
pyotp, checked against the RFC's own Appendix B test vectors before it is trusted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime

_DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def hotp(key: bytes, counter: int, *, digits: int = 6, algorithm: str = "SHA1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F  # RFC 4226 §5.3 dynamic truncation
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def totp_at(key: bytes, unix_time: int, *, step: int = 30, digits: int = 6, algorithm: str = "SHA1") -> str:
    return hotp(key, unix_time // step, digits=digits, algorithm=algorithm)


def b32key(secret: str) -> bytes:
    return base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))


def code(secret: str, at: datetime, *, algorithm: str = "SHA1", digits: int = 6, step: int = 30) -> str:
    """The code an authenticator app shows at ``at`` for a base32 ``secret``."""
    return totp_at(b32key(secret), int(at.timestamp()), step=step, digits=digits, algorithm=algorithm)
