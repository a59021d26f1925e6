"""Is the signer of a package someone we trust? A chain from its certificate to a configured CA.

:func:`~egov_gateway.exchange.signature.verify_package` proves that a package is unchanged since the
holder of the certificate in ``KeyInfo`` signed it; this module decides whether that certificate is
acceptable: a path from it (through the intermediates the signature carries) to one of the trust
anchors (e.g. the VGCA roots), every certificate valid at the given moment, CA certificates that are
CAs (basic constraints, keyCertSign), the signer's key usage allowing digitalSignature, and, when CRL
files are configured, none of the path's certificates revoked by its issuer's CRL.

Path building and the certificate checks are cryptography's (``x509.verification.PolicyBuilder``,
the same policy signxml uses for its own chain checks: any extensions on the signer but keyUsage
digitalSignature required, Web PKI rules for the CAs). cryptography does not read CRLs, so
revocation is checked here, against CRLs whose signature the issuing CA's key verifies.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509 import verification

from .exceptions import SigningError

_CERT_SUFFIXES: Final = (".pem", ".crt", ".cer", ".der")
_MAX_CHAIN_DEPTH: Final = 8
_NOISE: Final = re.compile(r"\s*\(encountered processing <Certificate\(.*\)>\)\s*$", re.DOTALL)


class TrustConfigError(SigningError):
    """The configured trust anchors or CRLs cannot be read."""


def _load_certificates(data: bytes, source: Path) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TrustConfigError(f"{source}: not a PEM or DER certificate ({exc})") from exc


def _load_crl(path: Path) -> x509.CertificateRevocationList:
    try:
        data = path.read_bytes()
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except (OSError, ValueError) as exc:
        raise TrustConfigError(f"{path}: not a readable PEM or DER CRL ({exc})") from exc


@dataclass(frozen=True)
class TrustStore:
    """The CA certificates a signer must chain to, and the CRLs to consult (possibly none)."""

    anchors: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    @classmethod
    def load(cls, anchors: Path, crls: Iterable[Path] = ()) -> TrustStore:
        """``anchors``: a PEM bundle (or one DER certificate), or a directory of such files
        (``*.pem``, ``*.crt``, ``*.cer``, ``*.der``); ``crls``: PEM or DER CRL files."""
        try:
            if anchors.is_dir():
                files = sorted(p for p in anchors.iterdir() if p.suffix.lower() in _CERT_SUFFIXES)
            else:
                files = [anchors]
            certificates = [cert for file in files for cert in _load_certificates(file.read_bytes(), file)]
        except OSError as exc:
            raise TrustConfigError(f"cannot read the trust anchors at {anchors}: {exc}") from exc
        if not certificates:
            raise TrustConfigError(f"no CA certificate found in {anchors}")
        return cls(tuple(certificates), tuple(_load_crl(path) for path in crls))


@dataclass(frozen=True)
class ChainCheck:
    """The outcome: ``trusted``, the path found (signer first, anchor last, as RFC 4514 subjects)
    or, when untrusted, why."""

    trusted: bool
    detail: str
    path: tuple[str, ...] = ()


def _digital_signature_allowed(
    policy: verification.Policy, certificate: x509.Certificate, key_usage: x509.KeyUsage | None
) -> None:
    if key_usage is None or not key_usage.digital_signature:
        raise ValueError("the certificate's key usage does not allow digitalSignature")


def _policies() -> tuple[verification.ExtensionPolicy, verification.ExtensionPolicy]:
    ee = verification.ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, _digital_signature_allowed
    )
    return ee, verification.ExtensionPolicy.webpki_defaults_ca()


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if crl.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    if not isinstance(
        key,
        rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey,
    ):
        return False
    return crl.is_signature_valid(key)


def _revocation(
    path: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList], at: datetime
) -> tuple[str | None, list[str]]:
    """(why a certificate of the path is revoked, or None; notes about stale CRLs)."""
    notes: list[str] = []
    for certificate, issuer in itertools.pairwise(path):
        for crl in crls:
            if not _crl_signed_by(crl, issuer):
                continue
            next_update = crl.next_update_utc
            if next_update is not None and next_update < at:
                notes.append(
                    f"the CRL of {issuer.subject.rfc4514_string()} is past its next update "
                    f"({next_update.isoformat()})"
                )
            revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
            if revoked is not None and revoked.revocation_date_utc <= at:
                return (
                    f"certificate {certificate.subject.rfc4514_string()} (serial "
                    f"{certificate.serial_number}) was revoked on {revoked.revocation_date_utc.isoformat()}",
                    notes,
                )
    return None, notes


def check_chain(
    signer: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: TrustStore,
    *,
    at: datetime,
) -> ChainCheck:
    """Check ``signer`` against ``trust`` at the moment ``at`` (aware datetime); never raises."""
    ee_policy, ca_policy = _policies()
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(list(trust.anchors)))
        .time(at)
        .max_chain_depth(_MAX_CHAIN_DEPTH)
        .extension_policies(ee_policy=ee_policy, ca_policy=ca_policy)
        .build_client_verifier()
    )
    who = f"{signer.subject.rfc4514_string()} (serial {signer.serial_number})"
    try:
        verified = verifier.verify(signer, list(intermediates))
    except verification.VerificationError as exc:
        return ChainCheck(False, f"untrusted signer {who}: {_explain(signer, trust.anchors, exc, at)}")
    path = tuple(verified.chain)
    subjects = tuple(cert.subject.rfc4514_string() for cert in path)
    revoked, notes = _revocation(path, trust.crls, at)
    if revoked is not None:
        return ChainCheck(False, f"untrusted signer {who}: {revoked}", subjects)
    detail = "chain to " + subjects[-1] + (" (revocation checked)" if trust.crls else " (no CRL)")
    if notes:
        detail += "; " + "; ".join(notes)
    return ChainCheck(True, detail, subjects)


def _explain(
    signer: x509.Certificate, anchors: Sequence[x509.Certificate], error: Exception, at: datetime
) -> str:
    """cryptography's messages are terse; name the common cases plainly."""
    if at > signer.not_valid_after_utc:
        return f"the certificate expired on {signer.not_valid_after_utc.isoformat()}"
    if at < signer.not_valid_before_utc:
        return f"the certificate is not valid before {signer.not_valid_before_utc.isoformat()}"
    if signer.issuer == signer.subject and signer not in anchors:
        return "a self-signed certificate that is not one of the trust anchors"
    message = _NOISE.sub("", str(error)).removeprefix("validation failed: ")
    if "candidates exhausted" in message:
        return "no chain to a trusted CA"
    if "2.5.29.15" in message:  # keyUsage
        return f"key usage: {message} (digitalSignature is required)"
    return message
