"""Enveloped XML-DSig signatures on edXML packages (signxml, exclusive C14N, RSA-SHA256 by default).

**What the signature covers.** The signature has one ``Reference URI=""`` with the enveloped-signature
and exclusive-C14N transforms, the form of the public SDK samples (DOMAIN.md §1.2). ``URI=""`` is the
whole XML document, not only ``edXMLEnvelope``: ``AttachmentEncoded`` lies outside the envelope but
inside the ``edXML`` root, so every attachment's ``ContentTransferEncoded`` base64, with its
``ContentId``, name, type and description, is covered together with the ``MessageHeader``, the
``TraceHeaderList``/``Bussiness`` block and the manifest. Changing one byte of an attachment breaks the
digest, so no separate per-attachment digests are added to the (standardised) manifest. Only comments
and the ``Signature`` element itself are outside it.

Consequences: (1) a hop that appends a ``TraceHeader`` after signing invalidates the signature; the
axis is observed to carry packages unchanged, and it is the same for the samples' ``URI=""``; (2)
checking a signature needs the whole package in memory (bounded by ``ParseLimits.max_bytes``), unlike
:func:`~egov_gateway.exchange.edxml.parse_document`, which streams attachments.

**Where it goes.** ``<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`` is the last child of
``edXMLHeader``, after ``TraceHeaderList`` (or ``Status``), where DOMAIN.md §1.2 puts it.

**Trust.** :func:`verify_package` checks the signature against the certificate the signature carries
(``KeyInfo/X509Data``) and reports who that is. Given a :class:`~egov_gateway.exchange.trust.TrustStore`
it then checks that signer's chain to the configured CAs (e.g. VGCA) at the verification moment, with
the CRLs if any; an untrusted, expired or revoked signer makes the result ``invalid`` with an
"untrusted signer ..." reason. Without a trust store the result says "chain not checked".
``expected_certificates`` additionally reports whether the signer is one of a known set.

**Keys.** :class:`SigningKey` takes any ``cryptography`` RSA or EC private key object, so a key held in
an HSM plugs in as an object whose ``sign`` calls the device: :class:`ExternalRsaKey` wraps a plain
callable for that purpose, and ``egov_gateway.signing.pkcs11_key`` uses it over a PKCS#11 session.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, Literal, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding, PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from pydantic import BaseModel, ConfigDict
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from .edxml import DEFAULT_LIMITS, ParseLimits, Source, parse_tree
from .exceptions import ExternalKeyRefused, MalformedPackage, SigningError
from .model import NAMESPACE
from .trust import TrustStore, check_chain

DSIG: Final = "http://www.w3.org/2000/09/xmldsig#"
RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA512: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
RSA_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA512: Final = "http://www.w3.org/2001/04/xmlenc#sha512"
SHA1: Final = "http://www.w3.org/2000/09/xmldsig#sha1"
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"

_DS: Final = f"{{{DSIG}}}"
_HEADER_PATH: Final = f"{{{NAMESPACE}}}edXMLEnvelope/{{{NAMESPACE}}}edXMLHeader"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _is_sha1(algorithm: str) -> bool:
    return algorithm.lower().endswith("sha1")


def _huge_text_parser() -> etree.XMLParser:
    # signxml re-parses what it canonicalises; the default parser refuses text nodes above 10 MB,
    # which one base64 attachment passes easily. Input reaching signxml has been through parse_tree.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class _Signer(XMLSigner):
    @property
    def parser(self) -> etree.XMLParser:
        return _huge_text_parser()


class ExternalRsaKey(rsa.RSAPrivateKey):
    """An RSA key whose private half lives elsewhere (HSM, token, remote signing service).

    ``sign`` receives the bytes to sign (the canonical ``SignedInfo``) and the hash algorithm, and returns
    the PKCS#1 v1.5 signature, e.g. a PKCS#11 ``CKM_SHA256_RSA_PKCS`` operation. Nothing else is needed
    to sign packages; the other private-key operations are refused.
    """

    def __init__(
        self, public_key: rsa.RSAPublicKey, sign: Callable[[bytes, hashes.HashAlgorithm], bytes]
    ) -> None:
        self._public_key = public_key
        self._sign = sign

    def sign(
        self,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: asym_utils.Prehashed | hashes.HashAlgorithm | asym_utils.NoDigestInfo,
    ) -> bytes:
        if not isinstance(padding, PKCS1v15) or not isinstance(algorithm, hashes.HashAlgorithm):
            raise ExternalKeyRefused("an external RSA key signs PKCS#1 v1.5 over unhashed data only")
        return self._sign(data, algorithm)

    @property
    def key_size(self) -> int:
        return self._public_key.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public_key

    def decrypt(self, ciphertext: bytes, padding: AsymmetricPadding) -> bytes:
        raise ExternalKeyRefused("an external key only signs")

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        raise ExternalKeyRefused("an external key does not reveal its private half")

    def private_bytes(
        self,
        encoding: serialization.Encoding,
        format: serialization.PrivateFormat,
        encryption_algorithm: serialization.KeySerializationEncryption,
    ) -> bytes:
        raise ExternalKeyRefused("an external key does not reveal its private half")

    def __copy__(self) -> "ExternalRsaKey":
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> "ExternalRsaKey":
        return self


def _public_der(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class SigningKey:
    """The agency's private key and its certificate (plus any intermediate certificates)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())

    def __post_init__(self) -> None:
        public = self.certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) or _public_der(
            public
        ) != _public_der(self.private_key.public_key()):
            raise SigningError("the private key does not belong to the certificate")

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes, *, password: bytes | None = None) -> Self:
        """A PEM private key and a PEM certificate file (the signer's certificate first, then its chain)."""
        try:
            key = serialization.load_pem_private_key(key_pem, password=password)
            certificates = x509.load_pem_x509_certificates(certificate_pem)
        except (ValueError, TypeError) as exc:
            raise SigningError(f"unusable PEM key or certificate: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningError(f"unsupported key type {type(key).__name__}; RSA or EC is needed")
        return cls(key, certificates[0], tuple(certificates[1:]))

    @classmethod
    def from_pkcs12(cls, data: bytes, *, password: bytes | None = None) -> Self:
        """A PKCS#12 (.p12 / .pfx) bundle, as the CAs issue agency keys."""
        try:
            key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
        except (ValueError, TypeError) as exc:
            raise SigningError(f"unusable PKCS#12 bundle: {exc}") from exc
        if key is None or certificate is None:
            raise SigningError("the PKCS#12 bundle needs both a private key and its certificate")
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningError(f"unsupported key type {type(key).__name__}; RSA or EC is needed")
        return cls(key, certificate, tuple(extra))


def sign_package(
    source: Source,
    key: SigningKey,
    *,
    signature_algorithm: str = RSA_SHA256,
    digest_algorithm: str = SHA256,
    c14n_algorithm: str = EXC_C14N,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> bytes:
    """Sign a document or status package (as built by ``build_document`` / ``build_status``).

    Algorithms are XML-DSig URIs, configurable because what the hubs accept today is UNCONFIRMED
    (DOMAIN.md §1.2). SHA-1 is never used for new signatures. Raises ``SigningError`` or
    ``MalformedPackage``.
    """
    if _is_sha1(signature_algorithm) or _is_sha1(digest_algorithm):
        raise SigningError("SHA-1 is only accepted when verifying legacy packages, never for signing")
    root = parse_tree(source, limits=limits)
    header = root.find(_HEADER_PATH)
    if header is None:
        raise MalformedPackage("missing", element="edXMLEnvelope/edXMLHeader")
    if root.find(f".//{_DS}Signature") is not None:
        raise SigningError("the package is already signed")
    placeholder = etree.Element(_DS + "Signature", {"Id": "placeholder"}, nsmap={None: DSIG})
    if len(header):
        placeholder.tail, header[-1].tail = header[-1].tail, header.text
    header.append(placeholder)
    try:
        signer = _Signer(
            signature_algorithm=SignatureMethod(signature_algorithm),
            digest_algorithm=DigestAlgorithm(digest_algorithm),
            c14n_algorithm=CanonicalizationMethod(c14n_algorithm),
        )
        signer.namespaces = {None: DSIG}  # type: ignore[dict-item]  # signxml's documented default-namespace switch
        signed = signer.sign(root, key=key.private_key, cert=[key.certificate, *key.chain])
    except (SignXMLException, ValueError, NotImplementedError) as exc:
        raise SigningError(f"signing failed: {exc}") from exc
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


class SignatureStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    MISSING = "missing"


class SignerCertificate(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    issuer: str
    serial_number: int
    not_valid_before: datetime
    not_valid_after: datetime
    sha256_fingerprint: str

    @classmethod
    def of(cls, certificate: x509.Certificate) -> Self:
        return cls(
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            serial_number=certificate.serial_number,
            not_valid_before=certificate.not_valid_before_utc,
            not_valid_after=certificate.not_valid_after_utc,
            sha256_fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        )


class VerificationResult(BaseModel):
    """What :func:`verify_package` found; meant to be stored with the package as evidence.

    ``status`` ``valid`` means the package is unchanged since it was signed by ``signer`` and, when
    trust anchors were given, that ``signer`` chains to one of them (``chain`` ``trusted``, the path in
    ``chain_path``); a signer that does not is ``invalid`` with ``chain`` ``untrusted``. ``chain`` is
    ``not_checked`` without trust anchors, ``None`` when the signature itself failed.
    ``certificate_expected`` says whether ``signer`` is one of the expected certificates (``None`` when
    none were given); accepting an unexpected signer is a policy decision. ``reason`` is the detail
    shown to people (``signature_detail``), also for a valid signature.
    """

    model_config = ConfigDict(frozen=True)

    status: SignatureStatus
    reason: str | None = None
    signature_algorithm: str | None = None
    digest_algorithm: str | None = None
    signer: SignerCertificate | None = None
    certificate_expected: bool | None = None
    chain: Literal["trusted", "untrusted", "not_checked"] | None = None
    chain_path: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.status is SignatureStatus.VALID

    @property
    def trusted(self) -> bool:
        """Valid, and by an expected certificate when expectations were given."""
        return self.valid and self.certificate_expected is not False


def _allowed_signature_methods(allow_sha1: bool) -> frozenset[SignatureMethod]:
    return frozenset(
        method
        for method in SignatureMethod
        if not method.name.startswith("HMAC") and (allow_sha1 or "SHA1" not in method.name)
    )


def _allowed_digests(allow_sha1: bool) -> frozenset[DigestAlgorithm]:
    return frozenset(digest for digest in DigestAlgorithm if allow_sha1 or "SHA1" not in digest.name)


def _certificate(encoded: str | None) -> x509.Certificate | None:
    if not encoded:
        return None
    try:
        pem = "-----BEGIN CERTIFICATE-----\n" + "".join(encoded.split()) + "\n-----END CERTIFICATE-----\n"
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None


def _signer_certificate(signature: etree._Element) -> x509.Certificate | None:
    return _certificate(signature.findtext(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate"))


def _carried_intermediates(signature: etree._Element) -> list[x509.Certificate]:
    """The certificates after the signer's in ``X509Data`` (signxml writes the signer first)."""
    encoded = signature.findall(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")[1:]
    return [cert for cert in (_certificate(element.text) for element in encoded) if cert is not None]


def verify_package(
    source: Source,
    *,
    allow_sha1: bool = False,
    expected_certificates: Collection[x509.Certificate] = (),
    trust: TrustStore | None = None,
    at: datetime | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> VerificationResult:
    """Check a package's XML signature; a bad or absent signature is a result, never an exception.

    ``allow_sha1`` accepts the RSA-SHA1 / SHA-1 signatures of 2016-era systems; without it they are
    reported invalid. ``at`` is the moment the certificate must be valid (default: now), e.g. the
    package's arrival time when re-checking stored evidence. ``trust``: check the signer's chain to
    these CAs (and CRLs) at ``at``; without it the result's reason says the chain was not checked.
    Raises ``MalformedPackage`` only when the input is not a safe, well-formed edXML package.
    """
    root = parse_tree(source, limits=limits)
    header = root.find(_HEADER_PATH)
    signatures = root.findall(f".//{_DS}Signature")
    if not signatures:
        legacy = None if header is None else header.find(f"{{{NAMESPACE}}}Signature")
        if legacy is not None and len(legacy):
            return VerificationResult(
                status=SignatureStatus.INVALID,
                reason="the Signature element is in the edXML namespace, not XML-DSig's, so it cannot be checked",
            )
        return VerificationResult(
            status=SignatureStatus.MISSING, reason="no XML-DSig Signature in edXMLHeader"
        )
    if len(signatures) > 1:
        return VerificationResult(
            status=SignatureStatus.INVALID,
            reason=f"{len(signatures)} Signature elements; exactly one is expected",
        )
    signature = signatures[0]
    if header is None or signature.getparent() is not header:
        return VerificationResult(
            status=SignatureStatus.INVALID, reason="the Signature is not a child of edXMLHeader"
        )

    signature_algorithm = signature.find(f"{_DS}SignedInfo/{_DS}SignatureMethod")
    method = None if signature_algorithm is None else signature_algorithm.get("Algorithm")
    references = signature.findall(f"{_DS}SignedInfo/{_DS}Reference")
    digest_method = None if not references else references[0].find(f"{_DS}DigestMethod")
    digest = None if digest_method is None else digest_method.get("Algorithm")
    certificate = _signer_certificate(signature)
    signer = None if certificate is None else SignerCertificate.of(certificate)

    def result(
        status: SignatureStatus,
        reason: str | None,
        expected: bool | None = None,
        chain: Literal["trusted", "untrusted", "not_checked"] | None = None,
        path: tuple[str, ...] = (),
    ) -> VerificationResult:
        return VerificationResult(
            status=status,
            reason=reason,
            signature_algorithm=method,
            digest_algorithm=digest,
            signer=signer,
            certificate_expected=expected,
            chain=chain,
            chain_path=path,
        )

    if method is None or digest is None:
        return result(
            SignatureStatus.INVALID, "SignedInfo lacks its SignatureMethod or Reference/DigestMethod"
        )
    if len(references) != 1 or references[0].get("URI") != "":
        uris = ", ".join(repr(reference.get("URI")) for reference in references)
        return result(
            SignatureStatus.INVALID,
            f"the signature must have one Reference URI='' (whole package), not {uris}",
        )
    if not allow_sha1 and (_is_sha1(method) or _is_sha1(digest)):
        sha1 = method if _is_sha1(method) else digest
        return result(
            SignatureStatus.INVALID,
            f"legacy SHA-1 ({sha1.rpartition('#')[2]}) is refused; accept 2016-era packages with allow_sha1=True",
        )
    if certificate is None:
        return result(SignatureStatus.INVALID, "KeyInfo/X509Data carries no readable X509Certificate")

    config = SignatureConfiguration(
        require_x509=True,
        location=f"./{_HEADER_PATH}/",
        expect_references=1,
        signature_methods=_allowed_signature_methods(allow_sha1),
        digest_algorithms=_allowed_digests(allow_sha1),
        verification_time=at,
    )
    try:
        XMLVerifier().verify(root, x509_cert=certificate, parser=_huge_text_parser(), expect_config=config)
    except InvalidDigest:
        return result(
            SignatureStatus.INVALID, "the package was changed after it was signed (digest mismatch)"
        )
    except InvalidCertificate as exc:
        return result(SignatureStatus.INVALID, f"certificate not usable: {exc}")
    except InvalidSignature as exc:
        return result(SignatureStatus.INVALID, f"the signature value does not match: {exc}")
    except (SignXMLException, ValueError) as exc:
        return result(SignatureStatus.INVALID, f"the signature cannot be checked: {exc}")

    path: tuple[str, ...] = ()
    if trust is None:
        chain: Literal["trusted", "untrusted", "not_checked"] = "not_checked"
        note = "chain not checked: no trust anchors configured"
    else:
        moment = at or datetime.now(UTC)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        checked = check_chain(certificate, _carried_intermediates(signature), trust, at=moment)
        if not checked.trusted:
            return result(SignatureStatus.INVALID, checked.detail, chain="untrusted", path=checked.path)
        chain, note, path = "trusted", f"signer trusted: {checked.detail}", checked.path

    expected: bool | None = None
    if expected_certificates:
        fingerprint = certificate.fingerprint(hashes.SHA256())
        expected = any(known.fingerprint(hashes.SHA256()) == fingerprint for known in expected_certificates)
        if not expected:
            note = (
                f"signed by {certificate.subject.rfc4514_string()} (serial {certificate.serial_number}), "
                f"which is not one of the expected certificates; {note}"
            )
    return result(SignatureStatus.VALID, note, expected=expected, chain=chain, path=path)
