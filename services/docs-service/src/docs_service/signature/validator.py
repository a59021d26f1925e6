"""Validation of every signature in a PDF: integrity, the chain to the configured trust roots, the
signer's identity, the signing time, revocation where the CRL is known, and what was changed after.

It never raises for a bad file: a PDF that cannot be read, a signature that cannot be parsed, an
unknown signer all come back as a report saying so. Blocking: run it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Final

from asn1crypto import crl as asn1_crl  # type: ignore[import-untyped]
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from kit_core import get_logger

log = get_logger(__name__)
SUBFILTERS: Final = frozenset(f.value for f in SigSeedSubFilter)


@dataclass(frozen=True)
class TrustStore:
    roots: list[asn1_x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    fetch: bool = False


def _pem_or_der(data: bytes) -> list[bytes]:
    if pem.detect(data):
        return [der for _kind, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


def load_trust(roots: list[Path], crls: list[Path], *, fetch: bool = False) -> TrustStore:
    """Trust roots from PEM (or DER) files; CRLs from files. Unreadable files are skipped, logged."""
    certs: list[asn1_x509.Certificate] = []
    for path in roots:
        try:
            certs += [asn1_x509.Certificate.load(der) for der in _pem_or_der(path.read_bytes())]
        except (OSError, ValueError) as exc:
            log.warning("signature.trust_root_unreadable", path=str(path), error=str(exc))
    lists: list[asn1_crl.CertificateList] = []
    for path in crls:
        try:
            lists += [asn1_crl.CertificateList.load(der) for der in _pem_or_der(path.read_bytes())]
        except (OSError, ValueError) as exc:
            log.warning("signature.crl_unreadable", path=str(path), error=str(exc))
    return TrustStore(certs, lists, fetch)


@dataclass
class SignatureReport:
    """What validation found about one signature (position = its order in the file, from 0)."""

    position: int
    field_name: str = ""
    signer_common_name: str = ""
    signer_organisation: str = ""
    signer_serial: str = ""
    issuer: str = ""
    signing_time: datetime | None = None
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    revocation: str = "unknown"  # good | revoked | unknown
    coverage: str = ""
    modification: str = ""
    bottom_line: bool = False
    summary: str = ""
    problems: list[str] = field(default_factory=list)


def _attr(name: asn1_x509.Name, key: str) -> str:
    value = name.native.get(key, "")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value)[:255]


def _one(embedded: Any, position: int, trust: TrustStore, at: datetime) -> SignatureReport:
    report = SignatureReport(position=position, field_name=str(embedded.field_name or "")[:127])
    try:
        cert = embedded.signer_cert
        report.signer_common_name = _attr(cert.subject, "common_name")
        report.signer_organisation = _attr(cert.subject, "organization_name")
        report.signer_serial = format(cert.serial_number, "x")[:64]
        report.issuer = _attr(cert.issuer, "common_name")
    except Exception as exc:  # a signature whose CMS cannot even be read
        report.problems.append(f"unreadable signature: {type(exc).__name__}: {exc}"[:500])
        report.summary = "UNREADABLE"
        return report
    context = ValidationContext(
        trust_roots=trust.roots,
        crls=trust.crls,
        allow_fetching=trust.fetch,
        revocation_mode="soft-fail",
        moment=at,
    )
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception as exc:
        report.problems.append(f"validation failed: {type(exc).__name__}: {exc}"[:500])
        report.summary = "INVALID"
        return report
    report.intact, report.valid, report.trusted = (
        bool(status.intact),
        bool(status.valid),
        bool(status.trusted),
    )
    report.bottom_line = bool(status.bottom_line)
    reported = status.signer_reported_dt
    report.signing_time = reported.astimezone(UTC) if reported else None
    report.coverage = status.coverage.name if status.coverage else ""
    report.modification = status.modification_level.name if status.modification_level else ""
    revoked = bool(getattr(status, "revoked", False))
    if revoked:
        report.revocation = "revoked"
    elif status.trusted and any(c.issuer == cert.issuer for c in trust.crls):
        report.revocation = "good"
    if not status.intact:
        report.problems.append("the signed bytes were changed after signing")
    if not status.valid:
        report.problems.append("the cryptographic signature does not verify")
    if not status.trusted:
        indic = status.trust_problem_indic
        report.problems.append(
            "the certificate does not chain to a configured trust root"
            + (f" ({getattr(indic, 'name', indic)})" if indic is not None else "")
        )
    if revoked:
        report.problems.append("the signer's certificate is revoked")
    if status.coverage is not None and status.coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        report.problems.append(f"the signature covers only part of the file ({status.coverage.name})")
    try:
        report.summary = status.summary()[:255]
    except Exception:  # pragma: no cover - summary is best effort
        report.summary = "VALID" if report.bottom_line else "INVALID"
    return report


def validate_pdf(
    data: bytes, trust: TrustStore, *, at: datetime | None = None
) -> tuple[list[SignatureReport], str | None]:
    """Every signature of the file, in order; and a file-level problem (unreadable PDF) if any."""
    at = at or datetime.now(UTC)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:
        return [], f"the PDF cannot be read: {type(exc).__name__}: {exc}"[:500]
    readable: list[EmbeddedPdfSignature] = []
    broken: list[tuple[str, str]] = []
    for name, sig_obj, sig_field in fields:  # one by one: a broken signature must not hide the others
        try:
            subfilter = sig_obj.get_object().get("/SubFilter")
            if str(subfilter) not in SUBFILTERS:
                broken.append((name, f"unsupported signature type (SubFilter {subfilter})"))
                continue
            readable.append(EmbeddedPdfSignature(reader, sig_field, name))
        except Exception as exc:
            broken.append((name, f"unreadable signature: {type(exc).__name__}: {exc}"[:500]))
    readable.sort(key=lambda sig: sig.signed_revision)
    reports = [_one(sig, i, trust, at) for i, sig in enumerate(readable)]
    for i, (name, problem) in enumerate(broken, start=len(reports)):
        reports.append(
            SignatureReport(position=i, field_name=str(name)[:127], summary="UNREADABLE", problems=[problem])
        )
    return reports, None
