"""PAdES signing with pyHanko, through PKCS#11 (``PKCS11Signer``) or PKCS#12 (``SimpleSigner``).

Each signature is an incremental update (the agency's seal goes on top of the leader's signature
without touching it), with the ETSI.CAdES.detached (PAdES) sub-filter, SHA-256, and the signing
time as a signed attribute. Blocking: run it in a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Final

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers

from .keys import KeyReference


class SigningFailed(Exception):
    """The key could not be opened or the PDF could not be signed."""


class UnreadablePdf(SigningFailed):
    """The file is not a PDF pyHanko can read (damaged, no cross-reference table…)."""


@dataclass(frozen=True)
class Stamp:
    """A visible signature box on the last page: its text, where (PDF points, from the bottom
    left), its colour (RGB 0..1) and the TrueType font that has the Vietnamese letters."""

    text: str
    box: tuple[int, int, int, int]
    color: tuple[float, float, float]
    font: Path


@dataclass(frozen=True)
class SignatureRequest:
    field_name: str
    reason: str | None = None
    location: str | None = None
    name: str | None = None
    stamp: Stamp | None = None


# Phụ lục I: the person's signature in blue; the agency's red seal over the left third of it.
PERSONAL_BOX: Final = (330, 60, 540, 130)
SEAL_BOX: Final = (300, 45, 400, 145)
BLUE: Final = (0.0, 0.2, 0.75)
RED: Final = (0.85, 0.0, 0.0)


@lru_cache(maxsize=4)
def _font(path: Path) -> Any:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return GlyphAccumulatorFactory(str(path))


def _pdf_signer(
    meta: signers.PdfSignatureMetadata, signer: signers.Signer, stamp: Stamp | None
) -> signers.PdfSigner:
    if stamp is None:
        return signers.PdfSigner(meta, signer=signer)
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    style = TextStampStyle(
        stamp_text=stamp.text,
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        text_box_style=TextBoxStyle(font=_font(stamp.font), font_size=8, text_color=stamp.color),
        border_width=1,
        border_color=stamp.color,
        background=None,
    )
    spec = fields.SigFieldSpec(sig_field_name=meta.field_name or "Signature", on_page=-1, box=stamp.box)
    return signers.PdfSigner(meta, signer=signer, stamp_style=style, new_field_spec=spec)


def prepare_pkcs11(softhsm2_conf: Path | None) -> None:
    """SoftHSM reads SOFTHSM2_CONF once, when the module is first loaded in this process: set it
    before, unless the environment already says where the tokens are."""
    if softhsm2_conf is not None:
        os.environ.setdefault("SOFTHSM2_CONF", str(softhsm2_conf))


@contextmanager
def open_signer(key: KeyReference) -> Iterator[signers.Signer]:
    if key.kind == "pkcs12":
        assert key.pkcs12_file is not None  # noqa: S101 - the model checks it
        passphrase = key.passphrase.get_secret_value().encode() if key.passphrase else None
        try:
            signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
                str(key.pkcs12_file), passphrase=passphrase
            )
        except (OSError, ValueError) as exc:
            raise SigningFailed(f"cannot open {key.describe()}: {exc}") from exc
        if signer is None:
            raise SigningFailed(f"cannot open {key.describe()}: wrong passphrase or not a PKCS#12 file")
        yield signer
        return
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            str(key.module),
            token_criteria=TokenCriteria(label=key.token_label),
            user_pin=key.pin.get_secret_value() if key.pin else None,
        )
    except Exception as exc:  # python-pkcs11 raises many unrelated types
        raise SigningFailed(f"cannot open {key.describe()}: {type(exc).__name__}: {exc}") from exc
    try:
        yield PKCS11Signer(session, cert_label=key.cert_label or key.key_label, key_label=key.key_label)
    finally:
        session.close()


def has_signatures(data: bytes) -> int:
    """How many signatures the PDF already carries."""
    return len(PdfFileReader(BytesIO(data), strict=False).embedded_signatures)


def sign_pdf(data: bytes, key: KeyReference, request: SignatureRequest) -> bytes:
    """Add one PAdES signature to ``data`` as an incremental update; return the new file."""
    meta = signers.PdfSignatureMetadata(
        field_name=request.field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=request.reason,
        location=request.location,
        name=request.name,
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    except Exception as exc:  # PdfReadError and friends
        raise UnreadablePdf(f"{type(exc).__name__}: {exc}") from exc
    try:
        with open_signer(key) as signer:
            out = _pdf_signer(meta, signer, request.stamp).sign_pdf(writer)
    except SigningFailed:
        raise
    except Exception as exc:  # pyHanko: PdfReadError, SigningError, PKCS#11 errors…
        raise SigningFailed(f"{type(exc).__name__}: {exc}") from exc
    signed: bytes = out.getvalue()
    return signed
