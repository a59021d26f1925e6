import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from edxml_factories import attachment, document, identity, status
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.signer import XMLSigner

from egov_gateway.exchange import (
    ECDSA_SHA256,
    EXC_C14N,
    NAMESPACE,
    RSA_SHA1,
    RSA_SHA256,
    RSA_SHA512,
    SHA1,
    SHA256,
    SHA512,
    BussinessDocType,
    ExternalRsaKey,
    MalformedPackage,
    SignatureStatus,
    SigningError,
    SigningKey,
    build_document,
    build_status,
    parse_document,
    parse_status,
    parse_tree,
    sign_package,
    verify_package,
)

DSIG = "http://www.w3.org/2000/09/xmldsig#"
E = f"{{{NAMESPACE}}}"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def agency():
    key, certificate = identity()
    return SigningKey(key, certificate)


@pytest.fixture(scope="module")
def stranger():
    key, certificate = identity("Văn thư Bộ Nội vụ")
    return SigningKey(key, certificate)


@pytest.fixture(scope="module")
def signed(agency):
    return sign_package(build_document(document(kind=BussinessDocType.UPDATE)), agency)


def _signature(data: bytes) -> etree._Element:
    return parse_tree(data).find(f"{E}edXMLEnvelope/{E}edXMLHeader/{{{DSIG}}}Signature")


def test_build_sign_serialise_parse_verify(agency):
    package = document()
    signed = sign_package(build_document(package), agency)
    assert parse_document(signed) == package
    result = verify_package(signed)
    assert result.status is SignatureStatus.VALID
    assert result.valid
    assert result.trusted
    assert result.reason == "chain not checked: no trust anchors configured"
    assert result.chain == "not_checked"
    assert result.signature_algorithm == RSA_SHA256
    assert result.digest_algorithm == SHA256
    assert result.signer is not None
    assert "CN=Văn thư UBND tỉnh Ninh Bình" in result.signer.subject
    assert result.signer.serial_number == agency.certificate.serial_number
    assert result.certificate_expected is None


def test_the_signature_sits_in_the_header_and_covers_the_whole_package(signed):
    signature = _signature(signed)
    assert signature is not None
    assert signature.getparent()[-1] is signature  # after TraceHeaderList
    assert signature.getprevious().tag == E + "TraceHeaderList"
    assert signature.prefix is None  # <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
    info = signature.find(f"{{{DSIG}}}SignedInfo")
    assert info.find(f"{{{DSIG}}}CanonicalizationMethod").get("Algorithm") == EXC_C14N
    (reference,) = info.findall(f"{{{DSIG}}}Reference")
    assert reference.get("URI") == ""
    assert [transform.get("Algorithm") for transform in reference.iter(f"{{{DSIG}}}Transform")] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        EXC_C14N,
    ]
    assert signature.findtext(f"{{{DSIG}}}KeyInfo/{{{DSIG}}}X509Data/{{{DSIG}}}X509Certificate")


def test_the_signature_checks_out_without_signxml(signed, agency):
    """Exclusive C14N of the document without its Signature, digested and RSA-verified by hand."""
    root = parse_tree(signed)
    signature = root.find(f".//{{{DSIG}}}Signature")
    info = signature.find(f"{{{DSIG}}}SignedInfo")
    digest_value = info.findtext(f".//{{{DSIG}}}DigestValue")
    signature_value = base64.b64decode(signature.findtext(f"{{{DSIG}}}SignatureValue"))
    signed_info = etree.tostring(info, method="c14n", exclusive=True)
    previous = signature.getprevious()
    previous.tail = (previous.tail or "") + (signature.tail or "")  # the transform removes the element only
    signature.getparent().remove(signature)
    digest = hashlib.sha256(etree.tostring(root, method="c14n", exclusive=True)).digest()
    assert base64.b64encode(digest).decode() == digest_value
    agency.certificate.public_key().verify(signature_value, signed_info, padding.PKCS1v15(), hashes.SHA256())


def test_status_packages_are_signed_too(agency):
    package = status(code="15", description="Đồng ý thu hồi")
    signed = sign_package(build_status(package), agency)
    assert parse_status(signed) == package
    assert verify_package(signed).valid
    assert _signature(signed).getprevious().tag == E + "Status"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(b"V/v k", b"V/V k", id="subject"),
        pytest.param(b"<edXML:BussinessDocType>2<", b"<edXML:BussinessDocType>3<", id="business-type"),
        pytest.param(b"<edXML:ReceiverType>0<", b"<edXML:ReceiverType>1<", id="update-receivers"),
        pytest.param(b"<edXML:OrganId>000.00.00.G22<", b"<edXML:OrganId>000.00.00.G23<", id="recipient"),
        pytest.param(b"<AttachmentName>C", b"<AttachmentName>B", id="attachment-name"),
        pytest.param(b"<ContentType>application/pdf<", b"<ContentType>text/html<", id="attachment-type"),
    ],
)
def test_a_tampered_package_is_invalid(signed, old, new):
    assert old in signed
    result = verify_package(signed.replace(old, new, 1))
    assert result.status is SignatureStatus.INVALID
    assert result.reason == "the package was changed after it was signed (digest mismatch)"
    assert result.signer is not None  # still reported: whose signature was broken


def test_a_tampered_attachment_is_invalid_because_the_signature_covers_it(signed):
    start = signed.index(b"<edXML:ContentTransferEncoded")
    position = signed.index(b">", start) + 100
    flipped = b"A" if signed[position : position + 1] != b"A" else b"B"
    tampered = signed[:position] + flipped + signed[position + 1 :]
    assert parse_document(tampered).attachments[0].content != parse_document(signed).attachments[0].content
    result = verify_package(tampered)
    assert result.status is SignatureStatus.INVALID
    assert "changed after it was signed" in result.reason


def test_a_removed_attachment_is_invalid(agency):
    package = document(attachments=(attachment(content_id="1"), attachment(content_id="2", seed=3)))
    signed = sign_package(build_document(package), agency)
    without_second = re.sub(
        rb"<Attachment>\s*<ContentId>cid:2</ContentId>.*?</Attachment>", b"", signed, flags=re.S
    )
    without_second = re.sub(
        rb"<edXML:Reference>\s*<edXML:ContentId>cid:2<.*?</edXML:Reference>", b"", without_second, flags=re.S
    )
    assert len(parse_document(without_second).attachments) == 1
    assert verify_package(without_second).status is SignatureStatus.INVALID


def test_a_trace_header_appended_after_signing_breaks_the_signature(signed):
    """Documented consequence of URI="": hops must not rewrite the package."""
    hop = b"<edXML:TraceHeader><edXML:OrganId>000.00.00.G09</edXML:OrganId><edXML:Timestamp>2026/03/02 09:00:00</edXML:Timestamp></edXML:TraceHeader>"
    tampered = signed.replace(b"<edXML:Bussiness>", hop + b"<edXML:Bussiness>", 1)
    assert len(parse_document(tampered).trace_headers) == 3
    assert verify_package(tampered).status is SignatureStatus.INVALID


def test_a_tampered_signature_value_is_invalid(signed):
    value = _signature(signed).findtext(f"{{{DSIG}}}SignatureValue")
    forged = base64.b64encode(bytes([base64.b64decode(value)[0] ^ 1]) + base64.b64decode(value)[1:]).decode()
    result = verify_package(signed.replace(value.encode(), forged.encode()))
    assert result.status is SignatureStatus.INVALID
    assert result.reason.startswith("the signature value does not match")


def test_comments_are_outside_the_signature_but_whitespace_text_is_inside(signed):
    assert verify_package(
        signed.replace(b"<edXML:edXMLBody>", b"<!-- ghi ch\xc3\xba --><edXML:edXMLBody>", 1)
    ).valid
    assert not verify_package(signed.replace(b"<edXML:edXMLBody>", b"\n<edXML:edXMLBody>", 1)).valid


def test_missing_signature_is_reported_as_missing():
    result = verify_package(build_document(document()))
    assert result.status is SignatureStatus.MISSING
    assert result.reason == "no XML-DSig Signature in edXMLHeader"
    assert result.signer is None
    assert (
        verify_package((DATA / "edoc_replace.edxml").read_bytes()).status is SignatureStatus.MISSING
    )  # DigitalSignature/


def test_a_legacy_signature_in_the_edxml_namespace_cannot_be_checked():
    result = verify_package((DATA / "edoc_new.edxml").read_bytes())
    assert result.status is SignatureStatus.INVALID
    assert "edXML namespace" in result.reason


class LegacySigner(XMLSigner):
    """A 2016-era system: RSA-SHA1 and a SHA-1 digest, which signxml refuses to produce by default."""

    def check_deprecated_methods(self):
        pass


@pytest.fixture(scope="module")
def sha1_signed(agency):
    root = parse_tree(build_document(document()))
    header = root.find(f"{E}edXMLEnvelope/{E}edXMLHeader")
    header.append(etree.Element(f"{{{DSIG}}}Signature", {"Id": "placeholder"}, nsmap={None: DSIG}))
    signer = LegacySigner(
        signature_algorithm=SignatureMethod.RSA_SHA1, digest_algorithm="sha1", c14n_algorithm=EXC_C14N
    )
    signer.namespaces = {None: DSIG}
    return etree.tostring(signer.sign(root, key=agency.private_key, cert=[agency.certificate]))


def test_sha1_is_refused_unless_allowed(sha1_signed, agency):
    refused = verify_package(sha1_signed)
    assert refused.status is SignatureStatus.INVALID
    assert (
        refused.reason == "legacy SHA-1 (rsa-sha1) is refused; accept 2016-era packages with allow_sha1=True"
    )
    assert refused.signature_algorithm == RSA_SHA1
    assert refused.digest_algorithm == SHA1
    assert refused.signer.serial_number == agency.certificate.serial_number

    allowed = verify_package(sha1_signed, allow_sha1=True)
    assert allowed.status is SignatureStatus.VALID
    assert allowed.signature_algorithm == RSA_SHA1
    assert not verify_package(sha1_signed.replace(b"V/v k", b"V/V k", 1), allow_sha1=True).valid


def test_sha1_is_never_used_to_sign(agency):
    with pytest.raises(SigningError, match="SHA-1"):
        sign_package(build_document(document()), agency, signature_algorithm=RSA_SHA1, digest_algorithm=SHA1)
    with pytest.raises(SigningError, match="SHA-1"):
        sign_package(build_document(document()), agency, digest_algorithm=SHA1)


def test_algorithms_are_configurable(agency):
    signed = sign_package(
        build_document(document()), agency, signature_algorithm=RSA_SHA512, digest_algorithm=SHA512
    )
    result = verify_package(signed)
    assert (result.status, result.signature_algorithm, result.digest_algorithm) == (
        SignatureStatus.VALID,
        RSA_SHA512,
        SHA512,
    )
    elliptic = SigningKey(*identity("Văn thư Sở Nội vụ", elliptic=True))
    assert verify_package(
        sign_package(build_document(document()), elliptic, signature_algorithm=ECDSA_SHA256)
    ).valid


def test_an_unexpected_signer_is_reported_for_policy_to_decide(signed, agency, stranger):
    result = verify_package(signed, expected_certificates=[stranger.certificate])
    assert result.status is SignatureStatus.VALID
    assert result.certificate_expected is False
    assert not result.trusted
    assert "CN=Văn thư UBND tỉnh Ninh Bình" in result.reason
    assert "not one of the expected certificates" in result.reason
    assert "Ninh Bình" in result.signer.subject

    expected = verify_package(signed, expected_certificates=[stranger.certificate, agency.certificate])
    assert (expected.certificate_expected, expected.trusted) == (True, True)
    assert expected.reason == "chain not checked: no trust anchors configured"


def test_the_certificate_must_be_valid_at_the_time_asked(signed, agency):
    later = agency.certificate.not_valid_after_utc + timedelta(days=1)
    result = verify_package(signed, at=later)
    assert result.status is SignatureStatus.INVALID
    assert "certificate not usable" in result.reason
    assert "expired" in result.reason
    assert verify_package(signed, at=datetime.now(UTC)).valid


def test_pkcs12_round_trip(agency):
    bundle = pkcs12.serialize_key_and_certificates(
        name=b"van-thu",
        key=agency.private_key,
        cert=agency.certificate,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(b"mat-khau"),
    )
    loaded = SigningKey.from_pkcs12(bundle, password=b"mat-khau")
    assert loaded.certificate == agency.certificate
    result = verify_package(
        sign_package(build_document(document()), loaded), expected_certificates=[agency.certificate]
    )
    assert result.trusted
    with pytest.raises(SigningError, match="unusable PKCS#12"):
        SigningKey.from_pkcs12(bundle, password=b"sai")


def test_pem_key_and_certificate_chain(agency, stranger):
    key_pem = agency.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"mat-khau"),
    )
    chain_pem = agency.certificate.public_bytes(
        serialization.Encoding.PEM
    ) + stranger.certificate.public_bytes(serialization.Encoding.PEM)
    loaded = SigningKey.from_pem(key_pem, chain_pem, password=b"mat-khau")
    assert (loaded.certificate, loaded.chain) == (agency.certificate, (stranger.certificate,))
    signed = sign_package(build_document(document()), loaded)
    assert len(_signature(signed).findall(f".//{{{DSIG}}}X509Certificate")) == 2
    assert verify_package(signed).signer.serial_number == agency.certificate.serial_number
    with pytest.raises(SigningError, match="unusable PEM"):
        SigningKey.from_pem(b"not a key", chain_pem)


def test_a_key_must_match_its_certificate(agency, stranger):
    with pytest.raises(SigningError, match="does not belong to the certificate"):
        SigningKey(agency.private_key, stranger.certificate)


def test_an_external_key_plugs_in_like_an_hsm(agency):
    calls = []
    software_key = agency.private_key
    assert isinstance(software_key, rsa.RSAPrivateKey)

    def hsm_sign(data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        calls.append(algorithm.name)
        return software_key.sign(data, padding.PKCS1v15(), algorithm)

    external = SigningKey(ExternalRsaKey(agency.certificate.public_key(), hsm_sign), agency.certificate)
    signed = sign_package(build_document(document()), external)
    assert calls == ["sha256"]
    assert verify_package(signed, expected_certificates=[agency.certificate]).trusted


def test_a_package_is_signed_once(signed, agency):
    with pytest.raises(SigningError, match="already signed"):
        sign_package(signed, agency)


def test_a_signature_outside_the_header_is_invalid(signed):
    root = parse_tree(signed)
    signature = root.find(f".//{{{DSIG}}}Signature")
    root.append(signature)
    result = verify_package(etree.tostring(root))
    assert result.status is SignatureStatus.INVALID
    assert result.reason == "the Signature is not a child of edXMLHeader"


def test_a_large_package_signs_and_verifies(agency):
    package = document(attachments=(attachment(size=12 * 1024 * 1024, seed=5),))
    signed = sign_package(build_document(package), agency)
    assert verify_package(signed).valid
    assert parse_document(signed) == package


def test_unsafe_input_is_refused_before_any_signature_work(agency):
    bomb = (
        (DATA / "edoc_new.edxml")
        .read_bytes()
        .replace(b"<edXML xmlns=", b'<!DOCTYPE edXML [<!ENTITY a "aaaaaaaa">]>\n<edXML a="&a;" xmlns=', 1)
    )
    with pytest.raises(MalformedPackage, match="DTD"):
        verify_package(bomb)
    with pytest.raises(MalformedPackage, match="DTD"):
        sign_package(bomb, agency)


def test_certificate_details_are_reported(signed, agency):
    signer = verify_package(signed).signer
    certificate: x509.Certificate = agency.certificate
    assert signer.issuer == certificate.issuer.rfc4514_string()
    assert signer.not_valid_after == certificate.not_valid_after_utc
    assert signer.sha256_fingerprint == certificate.fingerprint(hashes.SHA256()).hex()
    assert signer.model_dump(mode="json")["serial_number"] == certificate.serial_number
