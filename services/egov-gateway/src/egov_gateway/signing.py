"""Where signing keys come from: a PKCS#11 token or HSM, the agency's PKCS#12 or PEM files, or a
throwaway key in dev and test; and whom received packages are checked against (trust anchors, CRLs).

PKCS#11 goes through python-pkcs11 (the library docs-service's PAdES signing uses through pyHanko).
The private key never leaves the token: :class:`Pkcs11Token` opens one session lazily, keeps it for
every signature, and when an operation fails on it (token reset, session closed by the device) closes
it and retries once on a fresh one. A failure to open or log in is not retried, so a wrong PIN cannot
lock the token by repetition. The PIN is never logged nor put in an error message.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kit_core import get_logger

from .exchange import ExternalRsaKey, SigningError, SigningKey, TrustConfigError, TrustStore

if TYPE_CHECKING:
    import pkcs11

    from .config import Settings

log = get_logger(__name__)
T = TypeVar("T")

# PKCS#1 v1.5 signing with the hash done by the token, by the hash signxml asks for.
_MECHANISMS: Final = {
    "sha1": "SHA1_RSA_PKCS",
    "sha224": "SHA224_RSA_PKCS",
    "sha256": "SHA256_RSA_PKCS",
    "sha384": "SHA384_RSA_PKCS",
    "sha512": "SHA512_RSA_PKCS",
}


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


class Pkcs11Token:
    """One RSA key (and its certificate) in a PKCS#11 token, by token label and key label."""

    def __init__(self, module: Path, token_label: str, key_label: str, *, pin: str | None) -> None:
        self.module = module
        self.token_label = token_label
        self.key_label = key_label
        self._pin = pin
        self._lock = threading.Lock()
        self._session: pkcs11.Session | None = None

    def describe(self) -> str:
        """Where the key is, for logs and errors: never the PIN."""
        return f"pkcs11:{self.token_label}/{self.key_label}"

    def __repr__(self) -> str:
        return f"Pkcs11Token({self.describe()!r})"

    def _open(self) -> pkcs11.Session:
        import pkcs11

        try:
            token = pkcs11.lib(str(self.module)).get_token(token_label=self.token_label)
            try:
                session = token.open(user_pin=self._pin)
            except pkcs11.UserAlreadyLoggedIn:
                # PKCS#11 logs in per application, not per session: another session of this process
                # (e.g. docs-service's PAdES signer in the embedded host) has logged in; share it.
                session = token.open()
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            raise SigningError(
                f"cannot open {self.describe()} with {self.module}: {type(exc).__name__} {exc}".rstrip()
            ) from exc
        log.info("egov.pkcs11_session_opened", key=self.describe())
        return session

    def _discard(self) -> None:
        import pkcs11

        session, self._session = self._session, None
        if session is not None:
            # a session that is gone already cannot be closed; the next operation opens a new one
            with contextlib.suppress(pkcs11.PKCS11Error, RuntimeError):
                session.close()

    def run(self, operation: Callable[[pkcs11.Session], T], what: str) -> T:
        """``operation`` on the open session; on a token error, once more on a fresh session."""
        import pkcs11

        with self._lock:
            for attempt in (1, 2):
                if self._session is None:
                    self._session = self._open()
                try:
                    return operation(self._session)
                except pkcs11.PKCS11Error as exc:
                    self._discard()
                    log.warning(
                        "egov.pkcs11_operation_failed",
                        key=self.describe(),
                        operation=what,
                        error=type(exc).__name__,
                        attempt=attempt,
                    )
                    # NoSuchKey is retried too: a session that shared another's login loses sight of
                    # private objects when that one logs out; the fresh session logs in itself.
                    if attempt == 2 or isinstance(exc, pkcs11.MultipleObjectsReturned):
                        raise SigningError(
                            f"{what} failed on {self.describe()}: {type(exc).__name__} {exc}".rstrip()
                        ) from exc
            raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            self._discard()

    def __del__(self) -> None:
        # Log out when the key is dropped (e.g. the outbound worker stopped), not at process exit only.
        with contextlib.suppress(Exception):
            self._discard()

    # -- what signing needs ------------------------------------------------------------------------

    def certificates(self) -> list[x509.Certificate]:
        """The X.509 certificates stored in the token under the key's label."""
        from pkcs11 import Attribute, ObjectClass

        def read(session: pkcs11.Session) -> list[bytes]:
            found = session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: self.key_label}
            )
            return [bytes(obj[Attribute.VALUE]) for obj in found]

        return [x509.load_der_x509_certificate(der) for der in self.run(read, "reading the certificate")]

    def public_key(self) -> rsa.RSAPublicKey:
        from pkcs11 import Attribute, KeyType, ObjectClass

        def read(session: pkcs11.Session) -> tuple[int, int]:
            key = session.get_key(
                object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.RSA, label=self.key_label
            )
            return (
                int.from_bytes(key[Attribute.PUBLIC_EXPONENT], "big"),
                int.from_bytes(key[Attribute.MODULUS], "big"),
            )

        exponent, modulus = self.run(read, "reading the public key")
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()

    def sign(self, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        """PKCS#1 v1.5 over ``data`` hashed with ``algorithm``, done by the token."""
        import pkcs11
        from pkcs11 import KeyType, ObjectClass

        name = _MECHANISMS.get(algorithm.name)
        if name is None:
            raise SigningError(f"no PKCS#11 RSA mechanism for {algorithm.name}")
        mechanism = pkcs11.Mechanism[name]

        def sign(session: pkcs11.Session) -> bytes:
            key = session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.RSA, label=self.key_label
            )
            if not isinstance(key, pkcs11.SignMixin):
                raise SigningError(f"{self.describe()}: the private key cannot sign")
            return bytes(key.sign(data, mechanism=mechanism))

        return self.run(sign, "signing")


def pkcs11_key(
    module: Path,
    token_label: str,
    key_label: str,
    *,
    pin: str | None,
    certificate_path: Path | None = None,
) -> SigningKey:
    """A :class:`SigningKey` whose private half stays in the token; the certificate (and chain) from
    ``certificate_path`` when given, else the token's certificate labelled like the key."""
    token = Pkcs11Token(module, token_label, key_label, pin=pin)
    if certificate_path is not None:
        try:
            certificates = x509.load_pem_x509_certificates(certificate_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise SigningError(f"{certificate_path}: unusable PEM certificate file: {exc}") from exc
    else:
        certificates = token.certificates()
        if not certificates:
            raise SigningError(f"{token.describe()}: no certificate labelled {key_label!r} in the token")
    public = token.public_key()
    return SigningKey(ExternalRsaKey(public, token.sign), certificates[0], tuple(certificates[1:]))


def key_from_settings(settings: Settings) -> SigningKey | None:
    """The agency's signing key as configured: PKCS#11, else PKCS#12 / PEM files, else in development
    and test a generated key (logged), else none (production refuses to send unsigned)."""
    if settings.signing_pkcs11_module and settings.signing_pkcs11_token and settings.signing_pkcs11_key:
        pin = settings.signing_pkcs11_pin
        return pkcs11_key(
            settings.signing_pkcs11_module,
            settings.signing_pkcs11_token,
            settings.signing_pkcs11_key,
            pin=pin.get_secret_value() if pin else None,
            certificate_path=settings.signing_certificate_path,
        )
    if settings.signing_key_path is not None:
        password = settings.signing_key_password
        return load_key(
            key_path=settings.signing_key_path,
            certificate_path=settings.signing_certificate_path,
            password=password.get_secret_value() if password else None,
        )
    if settings.env in ("development", "test"):
        log.warning("egov.signing_with_generated_key", system=settings.axis_system_id)
        return generated_key(f"{settings.axis_system_id} (development key)")
    return None


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return str(path), -1, -1
    if path.is_dir():  # a directory's mtime changes when a file is added or removed, not edited
        newest = max((child.stat().st_mtime_ns for child in path.iterdir()), default=0)
        return str(path), stat.st_mtime_ns, newest
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _load_trust(anchors: tuple[str, int, int], crls: tuple[tuple[str, int, int], ...]) -> TrustStore:
    return TrustStore.load(Path(anchors[0]), [Path(crl[0]) for crl in crls])


def trust_from_settings(settings: Settings) -> TrustStore | None:
    """The configured trust anchors and CRLs, re-read when a file changes (e.g. a refreshed CRL);
    None when no anchors are configured. Raises ``TrustConfigError`` if they cannot be read."""
    if settings.trust_anchors is None:
        return None
    try:
        return _load_trust(_stamp(settings.trust_anchors), tuple(_stamp(crl) for crl in settings.trust_crl))
    except TrustConfigError as exc:
        log.error("egov.trust_unreadable", error=str(exc))  # every received package is flagged meanwhile
        raise
