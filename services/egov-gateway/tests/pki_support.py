"""A small test PKI (roots, intermediates, end-entity certificates, CRLs) and keys made inside a
SoftHSM2 token, for the signing and trust tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from egov_gateway.exchange import SigningKey

SOFTHSM_LIB: Final = Path("/usr/lib/softhsm/libsofthsm2.so")
# The same token label and PIN as docs-service's PKCS#11 tests: SoftHSM2 reads its token folder once,
# when the module is first loaded in a process, so in one pytest run (make test) every suite must use a
# token that exists by then; init_token below is idempotent by label.
TOKEN: Final = "agency-keys"  # noqa: S105 - a token label, not a secret
PIN: Final = "5678"
SO_PIN: Final = "1234"


def _name(common_name: str, organisation: str = "UBND tỉnh Ninh Bình") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, signer: bool, digital_signature: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer and digital_signature,
        content_commitment=signer,
        key_encipherment=signer and not digital_signature,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass
class TestCA:
    """A CA (a root, or an intermediate under ``parent``) that issues certificates and CRLs."""

    __test__ = False

    name: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    revoked: list[int] = field(default_factory=list)

    @classmethod
    def root(cls, name: str = "Test Root CA (egov)") -> TestCA:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name, "Test PKI"))
            .issuer_name(_name(name, "Test PKI"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=30))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_usage(signer=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(name, key, certificate)

    def _builder(
        self, subject: x509.Name, public_key: rsa.RSAPublicKey, not_before: datetime, not_after: datetime
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )

    def intermediate(self, name: str) -> TestCA:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        certificate = (
            self._builder(
                _name(name, "Test PKI"),
                key.public_key(),
                now - timedelta(days=10),
                now + timedelta(days=1000),
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(signer=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return TestCA(name, key, certificate)

    def certify(
        self,
        public_key: rsa.RSAPublicKey,
        common_name: str = "Văn thư UBND tỉnh Ninh Bình",
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        digital_signature: bool = True,
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        return (
            self._builder(
                _name(common_name),
                public_key,
                not_before or now - timedelta(days=1),
                not_after or now + timedelta(days=365),
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(signer=True, digital_signature=digital_signature), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def issue(self, common_name: str = "Văn thư UBND tỉnh Ninh Bình", **options: object) -> SigningKey:
        """A software key certified by this CA (its chain carried when this CA is an intermediate)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = self.certify(key.public_key(), common_name, **options)  # type: ignore[arg-type]
        chain = () if self.certificate.issuer == self.certificate.subject else (self.certificate,)
        return SigningKey(key, certificate, chain)

    def revoke(self, serial: int) -> None:
        self.revoked.append(serial)

    def crl(self, *, next_update: timedelta = timedelta(days=7)) -> x509.CertificateRevocationList:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + next_update)
        )
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - timedelta(minutes=5))
                .build()
            )
        return builder.sign(self.key, hashes.SHA256())

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def prepare_softhsm(folder: Path) -> Path:
    """SoftHSM2 tokens in a private folder (unless SOFTHSM2_CONF already names one, e.g. set by
    another suite earlier in this process); the token created before the module is first loaded."""
    if not SOFTHSM_LIB.exists():
        raise AssertionError("softhsm2 is not installed: deploy/tools.sh (run by make test) installs it")
    tool = shutil.which("softhsm2-util")
    if tool is None:
        raise AssertionError("softhsm2-util is not installed: deploy/tools.sh installs softhsm2")
    conf = Path(os.environ.get("SOFTHSM2_CONF", folder / "softhsm2.conf"))
    if not conf.exists():
        tokens = folder / "tokens"
        tokens.mkdir(parents=True, exist_ok=True)
        conf.write_text(
            f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
            encoding="utf-8",
        )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = os.environ | {"SOFTHSM2_CONF": str(conf)}
    shown = subprocess.run([tool, "--show-slots"], env=env, capture_output=True, text=True, check=True).stdout
    if not any(line.strip() == f"Label:            {TOKEN}" for line in shown.splitlines()):
        subprocess.run(
            [tool, "--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN, "--pin", PIN],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return conf


def key_in_token(
    label: str, ca: TestCA, common_name: str = "Văn thư UBND tỉnh Ninh Bình"
) -> x509.Certificate:
    """An RSA key pair generated inside the token under ``label``, certified by ``ca``; the
    certificate stored in the token under the same label and id. The private key never leaves it."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(str(SOFTHSM_LIB)).get_token(token_label=TOKEN)
    try:
        opened = token.open(rw=True, user_pin=PIN)
    except pkcs11.UserAlreadyLoggedIn:  # a gateway key of this process holds a logged-in session
        opened = token.open(rw=True)
    with opened as session:
        key_id = os.urandom(8)
        public, _private = session.generate_keypair(
            pkcs11.KeyType.RSA, 2048, label=label, id=key_id, store=True
        )
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(public[Attribute.MODULUS], "big"),
        )
        certificate = ca.certify(numbers.public_key(), common_name)
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: key_id,
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
            }
        )
    return certificate
