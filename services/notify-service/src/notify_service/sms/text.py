"""Text and number helpers for SMS: Vietnamese without diacritics ("không dấu") for gateways that
only take GSM 03.38, and E.164 numbers in the forms gateways want."""

from __future__ import annotations

import re
import unicodedata

_E164_VN = re.compile(r"\+84[1-9]\d{8,9}")
_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def strip_diacritics(text: str) -> str:
    """``Hỏa tốc`` → ``Hoa toc``; đ/Đ have no decomposition, so they are mapped explicitly."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def is_vietnamese_e164(number: str) -> bool:
    return _E164_VN.fullmatch(number) is not None


def national_84(number: str) -> str:
    """``+84912345678`` → ``84912345678``, the form Vietnamese brand-name gateways take."""
    return number.removeprefix("+")
