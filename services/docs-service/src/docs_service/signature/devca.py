"""A development certificate authority: a root, certificates for demo people and agencies, a CRL.

Not for production (there the agencies' certificates come from a real CA, e.g. the government's
VGCA); it exists so that development, tests and the embedded host sign with real keys and real
chains, and so that revocation can be shown. Everything lives in one folder:

- ``root.pem`` / ``root.key.pem``: the root certificate and its key (PEM, unencrypted, mode 0600:
  a development CA, nothing more);
- ``crl.der`` / ``crl.pem``: the current CRL, re-signed on every revocation;
- ``revoked.json``: the revoked serials, the source of the CRL;
- ``keys/<name>.p12``: the PKCS#12 option (key and certificate chain in one file);
- ``softhsm2/``: the SoftHSM2 configuration and token folder for the PKCS#11 option, where the key
  pair is generated INSIDE the token and only the certificate is written in beside it.

Certificates carry key usage digitalSignature + nonRepudiation (contentCommitment) and a CRL
distribution point (``crl_url``), so validators find the revocation information.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_LIB: Final = Path("/usr/lib/softhsm/libsofthsm2.so")
DEFAULT_CRL_URL: Final = "http://127.0.0.1:8103/api/v1/signatures/crl"
CRL_DAYS: Final = 7
CERT_DAYS: Final = 2 * 365
ROOT_DAYS: Final = 10 * 365
Kind = Literal["person", "agency"]


class CAError(Exception):
    """The development CA cannot do what was asked (not initialised, token missing…)."""


@dataclass(frozen=True)
class Issued:
    """A certificate the CA issued, and where its private key lives."""

    certificate: x509.Certificate
    pkcs12_path: Path | None = None
    token_label: str | None = None
    key_label: str | None = None

    @property
    def serial(self) -> int:
        return self.certificate.serial_number


def _name(common_name: str, organisation: str | None, unit: str | None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit[:64]))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(parts)


def softhsm_conf(folder: Path) -> Path:
    """Write (once) the SoftHSM2 configuration for a private token folder; return its path.

    Every process that opens the tokens needs ``SOFTHSM2_CONF`` set to this path before the
    library is first loaded, or SoftHSM silently uses the system folder."""
    folder = folder.resolve()
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(
            f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
            encoding="utf-8",
        )
    return conf


def init_token(conf: Path, label: str, *, pin: str, so_pin: str) -> None:
    """Create a SoftHSM2 token (``softhsm2-util --init-token --free``) unless one has that label."""
    env = os.environ | {"SOFTHSM2_CONF": str(conf)}
    tool = shutil.which("softhsm2-util")
    if tool is None:
        raise CAError("softhsm2-util is not installed (apt-get install softhsm2)")
    shown = subprocess.run(  # noqa: S603 - a fixed tool, our own arguments
        [tool, "--show-slots"], env=env, capture_output=True, text=True, check=True
    ).stdout
    if any(line.strip() == f"Label:            {label}" for line in shown.splitlines()):
        return
    subprocess.run(  # noqa: S603
        [tool, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


class DevCA:
    def __init__(self, folder: Path, *, crl_url: str = DEFAULT_CRL_URL) -> None:
        self.folder = folder
        self.crl_url = crl_url

    # -- paths -----------------------------------------------------------------------------------

    @property
    def root_path(self) -> Path:
        return self.folder / "root.pem"

    @property
    def root_key_path(self) -> Path:
        return self.folder / "root.key.pem"

    @property
    def crl_path(self) -> Path:
        return self.folder / "crl.der"

    @property
    def revoked_path(self) -> Path:
        return self.folder / "revoked.json"

    def pkcs12_path(self, name: str) -> Path:
        return self.folder / "keys" / f"{name}.p12"

    @property
    def exists(self) -> bool:
        """Complete: init writes the CRL last."""
        return self.root_path.exists() and self.root_key_path.exists() and self.crl_path.exists()

    # -- the root --------------------------------------------------------------------------------

    def init(
        self, *, name: str = "Văn bản điện tử — Development CA", now: datetime | None = None
    ) -> x509.Certificate:
        """Create the root and an empty CRL; an existing CA is kept as it is (idempotent)."""
        if self.root_path.exists() and self.root_key_path.exists():
            if not self.crl_path.exists():
                self.write_crl(now=now)
            return self.root
        now = now or datetime.now(UTC)
        self.folder.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        subject = _name(name, "Development only", None)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=ROOT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        key_file = self.root_key_path
        key_file.touch(mode=0o600, exist_ok=True)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.root_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.revoked_path.write_text("[]", encoding="utf-8")
        self.write_crl(now=now)
        return cert

    def _require(self) -> None:
        if not (self.root_path.exists() and self.root_key_path.exists()):
            raise CAError(f"no development CA in {self.folder}: run `python -m docs_service ca init`")

    @property
    def root(self) -> x509.Certificate:
        self._require()
        return x509.load_pem_x509_certificate(self.root_path.read_bytes())

    def _root_key(self) -> rsa.RSAPrivateKey:
        self._require()
        key = serialization.load_pem_private_key(self.root_key_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - we wrote it
            raise CAError("the root key is not an RSA key")
        return key

    # -- end-entity certificates -----------------------------------------------------------------

    def certificate_for(
        self,
        public_key: rsa.RSAPublicKey,
        *,
        common_name: str,
        organisation: str | None,
        unit: str | None = None,
        now: datetime | None = None,
    ) -> x509.Certificate:
        now = now or datetime.now(UTC)
        root = self.root
        return (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organisation, unit))
            .issuer_name(root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
            .sign(self._root_key(), hashes.SHA256())
        )

    def issue_pkcs12(
        self,
        name: str,
        *,
        common_name: str,
        organisation: str | None,
        unit: str | None = None,
        passphrase: bytes,
        now: datetime | None = None,
    ) -> Issued:
        """A new key pair and certificate, written as ``keys/<name>.p12`` with the root in the chain."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = self.certificate_for(
            key.public_key(), common_name=common_name, organisation=organisation, unit=unit, now=now
        )
        path = self.pkcs12_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pkcs12.serialize_key_and_certificates(
            name.encode(),
            key,
            cert,
            [self.root],
            serialization.BestAvailableEncryption(passphrase),
        )
        path.touch(mode=0o600, exist_ok=True)
        path.write_bytes(data)
        return Issued(cert, pkcs12_path=path)

    def issue_in_token(
        self,
        *,
        lib_path: Path,
        token_label: str,
        pin: str,
        key_label: str,
        common_name: str,
        organisation: str | None,
        unit: str | None = None,
        now: datetime | None = None,
    ) -> Issued:
        """Generate the key pair inside a PKCS#11 token; certify its public key; store the
        certificate in the token under the same label and id. The private key never leaves it."""
        import pkcs11
        from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

        lib = pkcs11.lib(str(lib_path))
        token = lib.get_token(token_label=token_label)
        with token.open(rw=True, user_pin=pin) as session:
            if any(True for _ in session.get_objects({Attribute.LABEL: key_label})):
                raise CAError(f"token {token_label!r} already holds objects labelled {key_label!r}")
            key_id = os.urandom(8)
            public, _private = session.generate_keypair(
                KeyType.RSA, 2048, label=key_label, id=key_id, store=True
            )
            numbers = rsa.RSAPublicNumbers(
                int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                int.from_bytes(public[Attribute.MODULUS], "big"),
            )
            cert = self.certificate_for(
                numbers.public_key(), common_name=common_name, organisation=organisation, unit=unit, now=now
            )
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: key_label,
                    Attribute.ID: key_id,
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                }
            )
        return Issued(cert, token_label=token_label, key_label=key_label)

    # -- revocation ------------------------------------------------------------------------------

    def revoked(self) -> list[int]:
        if not self.revoked_path.exists():
            return []
        return [int(s) for s in json.loads(self.revoked_path.read_text(encoding="utf-8"))]

    def revoke(self, serial: int, *, now: datetime | None = None) -> x509.CertificateRevocationList:
        serials = self.revoked()
        if serial not in serials:
            serials.append(serial)
            self.revoked_path.write_text(json.dumps([str(s) for s in serials]), encoding="utf-8")
        return self.write_crl(now=now)

    def write_crl(self, *, now: datetime | None = None) -> x509.CertificateRevocationList:
        now = now or datetime.now(UTC)
        root = self.root
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(root.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=CRL_DAYS))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )
        for serial in self.revoked():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - timedelta(minutes=5))
                .build()
            )
        crl = builder.sign(self._root_key(), hashes.SHA256())
        self.crl_path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
        (self.folder / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        return crl

    def crl_der(self) -> bytes:
        """The current CRL, re-signed when it is close to its next update."""
        self._require()
        if self.crl_path.exists():
            crl = x509.load_der_x509_crl(self.crl_path.read_bytes())
            next_update = crl.next_update_utc
            if next_update is not None and next_update - datetime.now(UTC) > timedelta(days=1):
                return self.crl_path.read_bytes()
        self.write_crl()
        return self.crl_path.read_bytes()
