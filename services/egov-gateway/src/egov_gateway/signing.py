"""Where signing keys come from: the agency's PKCS#12 or PEM files, or a throwaway key in dev and test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .exchange import SigningError, SigningKey


def generated_key(common_name: str, *, organization: str = "egov-gateway (development)") -> SigningKey:
    """A fresh RSA-2048 key with a self-signed certificate valid for a year: never for production."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return SigningKey(key, certificate)


def load_key(
    *, key_path: Path, certificate_path: Path | None = None, password: str | None = None
) -> SigningKey:
    """A PKCS#12 bundle (.p12 / .pfx, no certificate path) or a PEM key with its PEM certificate."""
    secret = password.encode() if password else None
    data = key_path.read_bytes()
    if certificate_path is None:
        if key_path.suffix.lower() not in (".p12", ".pfx"):
            raise SigningError(f"{key_path}: a PEM key needs its certificate file too")
        return SigningKey.from_pkcs12(data, password=secret)
    return SigningKey.from_pem(data, certificate_path.read_bytes(), password=secret)
