"""Signing with a key inside a PKCS#11 token (SoftHSM2), and checking signers against trust anchors.

The token key signs packages that signxml and libxmlsec1 (with the CA as its only trusted root, no
--insecure) both accept; a gateway configured with the PKCS#11 settings sends packages the axis
sandbox accepts. A signer is trusted only with a chain to a configured CA, valid at the time asked,
allowed to sign, and not revoked by a configured CRL; without anchors the chain is "not checked".
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from axis_support import SECRET, SYSTEM, RunningSandbox, sandbox_in_process
from cryptography.hazmat.primitives import serialization
from edxml_factories import document, identity
from pki_support import PIN, SOFTHSM_LIB, TOKEN, TestCA, key_in_token, prepare_softhsm
from pydantic import ValidationError
from sqlalchemy import select

from egov_gateway import MIGRATIONS, models
from egov_gateway.app import create_app
from egov_gateway.config import Settings
from egov_gateway.exchange import (
    ExternalKeyRefused,
    ExternalRsaKey,
    SignatureStatus,
    SigningError,
    SigningKey,
    TrustConfigError,
    TrustStore,
    build_document,
    sign_package,
    verify_package,
)
from egov_gateway.packages.service import packages
from egov_gateway.signing import Pkcs11Token, key_from_settings, pkcs11_key, trust_from_settings
from kit_bus.tables import outbox
from kit_bus.testing import DIALECTS, eventually, publish, service_under_test
from kit_contracts import DeliveryCreated, DocumentSummary, OrgCreated, Tier

NOT_CHECKED = "chain not checked: no trust anchors configured"
INBOUND = "egov.inbound.received.v1"
PROVINCE = OrgCreated(org_id=uuid4(), code=SYSTEM, name="UBND tỉnh Ninh Bình", tier=Tier.PROVINCE)
HOME_AFFAIRS = OrgCreated(
    org_id=uuid4(), code="000.00.00.G09", name="Bộ Nội vụ", tier=Tier.CENTRAL, external=True
)


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Missing SoftHSM2 fails these tests (never skips them)."""
    yield prepare_softhsm(tmp_path_factory.mktemp("softhsm"))
    # Keys dropped by the tests close their sessions (and log out), so that a later suite in this
    # process (docs-service's pyHanko signer) can log in to the same token.
    gc.collect()


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA.root()


@pytest.fixture(scope="module")
def anchors(ca: TestCA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trust") / "anchors.pem"
    path.write_bytes(ca.pem())
    return path


@pytest.fixture
def token_key(softhsm: Path, ca: TestCA) -> tuple[str, SigningKey]:
    label = f"egov-{uuid4().hex[:8]}"
    key_in_token(label, ca)
    return label, pkcs11_key(SOFTHSM_LIB, TOKEN, label, pin=PIN)


def package() -> bytes:
    return build_document(document())


def xmlsec1(*args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("xmlsec1")
    assert found, "xmlsec1 missing: install the Debian package xmlsec1"
    return subprocess.run([found, *args], capture_output=True, text=True, check=False, timeout=60)


# -- PKCS#11 -------------------------------------------------------------------------------------


def test_a_package_signed_in_softhsm2_verifies_with_signxml_and_with_xmlsec1_against_the_ca(
    token_key, ca, anchors, tmp_path
):
    _label, key = token_key
    signed = sign_package(package(), key)
    result = verify_package(signed, trust=TrustStore((ca.certificate,)))
    assert result.status is SignatureStatus.VALID, result.reason
    assert result.chain == "trusted"
    assert result.signer is not None
    assert result.signer.serial_number == key.certificate.serial_number
    assert result.chain_path[-1] == ca.certificate.subject.rfc4514_string()
    assert result.reason is not None
    assert result.reason.startswith("signer trusted: chain to CN=Test Root CA (egov)")

    path = tmp_path / "signed.edxml"
    path.write_bytes(signed)
    # libxmlsec1 builds the chain itself: the CA is its only trusted root (no --insecure).
    command = ("--verify", "--trusted-pem", str(anchors), "--enabled-reference-uris", "empty", str(path))
    checked = xmlsec1(*command)
    assert checked.returncode == 0, checked.stderr
    tampered = signed.replace(b"vanphong@ninhbinh.gov.vn", b"vanthu@ninhbinh.gov.vn")
    assert tampered != signed
    path.write_bytes(tampered)
    assert xmlsec1(*command).returncode != 0
    other = tmp_path / "other.pem"
    other.write_bytes(TestCA.root("Another Root CA").pem())
    path.write_bytes(signed)
    untrusted = ("--verify", "--trusted-pem", str(other), "--enabled-reference-uris", "empty", str(path))
    assert xmlsec1(*untrusted).returncode != 0


def test_the_private_key_stays_in_the_token(token_key):
    _, key = token_key
    with pytest.raises(ExternalKeyRefused):
        key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    def attributes(session: pkcs11.Session) -> tuple[bool, bool]:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=token_key[0])
        return private[Attribute.SENSITIVE], private[Attribute.EXTRACTABLE]

    assert isinstance(key.private_key, ExternalRsaKey)
    token = key.private_key._sign.__self__  # the Pkcs11Token behind the key
    assert token.run(attributes, "reading attributes") == (True, False)


# python-pkcs11's operation object complains from __del__ about the dropped session: noise, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_one_session_is_reused_and_reopened_when_the_token_drops_it(softhsm, ca):
    label = f"egov-{uuid4().hex[:8]}"
    certificate = key_in_token(label, ca)
    token = Pkcs11Token(SOFTHSM_LIB, TOKEN, label, pin=PIN)
    key = SigningKey(ExternalRsaKey(token.public_key(), token.sign), certificate)
    assert verify_package(sign_package(package(), key)).valid
    first = token._session
    assert first is not None
    assert verify_package(sign_package(package(), key)).valid
    assert token._session is first  # one login, reused
    first.close()  # the device drops the session (token reset, idle timeout…)
    assert verify_package(sign_package(package(), key)).valid  # retried once on a fresh session
    assert token._session is not None
    assert token._session is not first
    token.close()
    assert token._session is None
    assert verify_package(sign_package(package(), key)).valid  # opened again when needed
    token.close()


def test_token_problems_are_signing_errors_that_never_show_the_pin(softhsm, ca):
    label = f"egov-{uuid4().hex[:8]}"
    key_in_token(label, ca)
    with pytest.raises(SigningError) as missing_token:
        pkcs11_key(SOFTHSM_LIB, "no-such-token", label, pin=PIN)
    assert "pkcs11:no-such-token/" in str(missing_token.value)
    with pytest.raises(SigningError) as missing_key:
        pkcs11_key(SOFTHSM_LIB, TOKEN, "no-such-key", pin=PIN)
    assert "no-such-key" in str(missing_key.value)
    with pytest.raises(SigningError) as no_module:
        pkcs11_key(Path("/nonexistent/libpkcs11.so"), TOKEN, label, pin=PIN)
    for error in (missing_token.value, missing_key.value, no_module.value):
        assert PIN not in str(error)
    assert PIN not in repr(Pkcs11Token(SOFTHSM_LIB, TOKEN, label, pin=PIN))


def test_the_certificate_may_come_from_a_file_with_its_chain(softhsm, ca, tmp_path):
    intermediate = ca.intermediate("Test Issuing CA (egov)")
    label = f"egov-{uuid4().hex[:8]}"
    in_token = key_in_token(label, intermediate)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(in_token.public_bytes(serialization.Encoding.PEM) + intermediate.pem())
    key = pkcs11_key(SOFTHSM_LIB, TOKEN, label, pin=PIN, certificate_path=chain)
    assert key.chain == (intermediate.certificate,)
    result = verify_package(sign_package(package(), key), trust=TrustStore((ca.certificate,)))
    assert result.valid, result.reason
    assert len(result.chain_path) == 3  # signer, the carried intermediate, the root
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(ca.issue().certificate.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(SigningError, match="does not belong"):
        pkcs11_key(SOFTHSM_LIB, TOKEN, label, pin=PIN, certificate_path=stranger)


def test_settings_choose_the_key(softhsm, ca, tmp_path):
    label = f"egov-{uuid4().hex[:8]}"
    certificate = key_in_token(label, ca)
    pkcs11_settings = {
        "signing_pkcs11_module": str(SOFTHSM_LIB),
        "signing_pkcs11_token": TOKEN,
        "signing_pkcs11_pin": PIN,
        "signing_pkcs11_key": label,
    }
    production = {"env": "production", "axis_secret": "x" * 40, "client_secret": "y" * 40}
    key = key_from_settings(Settings(**production, **pkcs11_settings))
    assert key is not None
    assert key.certificate == certificate
    assert PIN not in repr(Settings(**pkcs11_settings))
    assert key_from_settings(Settings(**production)) is None
    generated = key_from_settings(Settings(env="test"))
    assert generated is not None
    assert generated.certificate.issuer == generated.certificate.subject
    with pytest.raises(ValidationError, match="EGOV_SIGNING_PKCS11_KEY"):
        Settings(signing_pkcs11_module=str(SOFTHSM_LIB), signing_pkcs11_token=TOKEN)
    with pytest.raises(ValidationError, match="not both"):
        Settings(**pkcs11_settings, signing_key_path=str(tmp_path / "agency.p12"))


# -- trust -----------------------------------------------------------------------------------------


def test_a_signer_certified_by_a_trusted_ca_is_valid(ca):
    result = verify_package(sign_package(package(), ca.issue()), trust=TrustStore((ca.certificate,)))
    assert (result.status, result.chain) == (SignatureStatus.VALID, "trusted")
    assert (
        result.reason == "signer trusted: chain to " + ca.certificate.subject.rfc4514_string() + " (no CRL)"
    )


def test_without_anchors_the_chain_is_not_checked(ca):
    for key in (ca.issue(), SigningKey(*identity())):
        result = verify_package(sign_package(package(), key))
        assert (result.status, result.chain, result.reason) == (
            SignatureStatus.VALID,
            "not_checked",
            NOT_CHECKED,
        )


def test_a_self_signed_or_other_ca_signer_is_untrusted(ca):
    trust = TrustStore((ca.certificate,))
    reasons = []
    for key in (SigningKey(*identity()), TestCA.root("Another Root CA").issue()):
        result = verify_package(sign_package(package(), key), trust=trust)
        assert (result.status, result.chain) == (SignatureStatus.INVALID, "untrusted")
        assert result.reason is not None
        assert result.reason.startswith("untrusted signer CN=")
        assert result.signer is not None  # who it was is still reported
        reasons.append(result.reason)
    self_signed, other_ca = reasons
    assert self_signed.endswith("a self-signed certificate that is not one of the trust anchors")
    assert other_ca.endswith("no chain to a trusted CA")


def test_an_expired_certificate_is_invalid(ca):
    now = datetime.now(UTC)
    key = ca.issue(not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
    signed = sign_package(package(), key)
    result = verify_package(signed, trust=TrustStore((ca.certificate,)))
    assert result.status is SignatureStatus.INVALID
    assert result.reason is not None
    assert "expired" in result.reason
    # checked at the time the package was received, it was fine then
    then = verify_package(signed, trust=TrustStore((ca.certificate,)), at=now - timedelta(days=30))
    assert then.valid, then.reason
    assert then.chain == "trusted"


def test_the_gateway_judges_a_received_signer_at_the_arrival_time_it_is_given(ca, tmp_path):
    """``check`` takes the arrival time from the worker's clock: a certificate that expired
    yesterday was fine for a package that arrived last month."""
    now = datetime.now(UTC)
    key = ca.issue(not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
    raw = sign_package(package(), key)
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    settings = Settings(env="test", trust_anchors=anchors)
    assert packages.check(raw, settings, at=now - timedelta(days=30)).verification.valid
    late = packages.check(raw, settings, at=now).verification
    assert late.valid is False, late
    assert late.reason is not None
    assert "expired" in late.reason


def test_a_signer_whose_key_usage_does_not_allow_signing_is_untrusted(ca):
    key = ca.issue(digital_signature=False)
    result = verify_package(sign_package(package(), key), trust=TrustStore((ca.certificate,)))
    assert (result.status, result.chain) == (SignatureStatus.INVALID, "untrusted")
    assert "digitalSignature" in (result.reason or "")


def test_a_revoked_certificate_is_invalid_with_the_crl(ca):
    revoked, kept = ca.issue("Văn thư cũ"), ca.issue()
    ca.revoke(revoked.certificate.serial_number)
    trust = TrustStore((ca.certificate,), (ca.crl(),))
    result = verify_package(sign_package(package(), revoked), trust=trust)
    assert (result.status, result.chain) == (SignatureStatus.INVALID, "untrusted")
    assert result.reason is not None
    assert "was revoked on" in result.reason
    assert str(revoked.certificate.serial_number) in result.reason
    fine = verify_package(sign_package(package(), kept), trust=trust)
    assert fine.valid
    assert fine.reason is not None
    assert fine.reason.endswith("(revocation checked)")
    # a CRL not signed by the issuing CA is ignored, not believed
    impostor = TestCA(
        "Test Root CA (egov)", TestCA.root().key, ca.certificate, [kept.certificate.serial_number]
    )
    forged = TrustStore((ca.certificate,), (impostor.crl(),))
    assert verify_package(sign_package(package(), kept), trust=forged).valid


def test_an_intermediate_carried_in_the_signature_completes_the_chain(ca):
    intermediate = ca.intermediate("Test Issuing CA 2 (egov)")
    intermediate.revoke(12345)  # an unrelated serial
    key = intermediate.issue()
    trust = TrustStore((ca.certificate,), (intermediate.crl(), ca.crl()))
    result = verify_package(sign_package(package(), key), trust=trust)
    assert result.valid, result.reason
    assert result.chain_path == (
        key.certificate.subject.rfc4514_string(),
        intermediate.certificate.subject.rfc4514_string(),
        ca.certificate.subject.rfc4514_string(),
    )
    ca.revoke(intermediate.certificate.serial_number)  # the CA revokes the intermediate itself
    try:
        again = verify_package(sign_package(package(), key), trust=TrustStore((ca.certificate,), (ca.crl(),)))
        assert again.status is SignatureStatus.INVALID
        assert "Test Issuing CA 2" in (again.reason or "")
    finally:
        ca.revoked.remove(intermediate.certificate.serial_number)


def test_trust_anchors_and_crls_load_from_files(ca, tmp_path):
    folder = tmp_path / "anchors"
    folder.mkdir()
    other = TestCA.root("Another Root CA")
    (folder / "root.pem").write_bytes(ca.pem())
    (folder / "other.cer").write_bytes(other.certificate.public_bytes(serialization.Encoding.DER))
    (folder / "README.txt").write_text("not a certificate")
    crl = tmp_path / "root.crl"
    crl.write_bytes(ca.crl().public_bytes(serialization.Encoding.DER))
    store = TrustStore.load(folder, [crl])
    assert set(store.anchors) == {ca.certificate, other.certificate}
    assert len(store.crls) == 1
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(ca.pem() + other.pem())
    assert len(TrustStore.load(bundle).anchors) == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrustConfigError, match="no CA certificate"):
        TrustStore.load(tmp_path / "empty")
    (tmp_path / "junk.pem").write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustConfigError):
        TrustStore.load(tmp_path / "junk.pem")

    settings = Settings(trust_anchors=str(folder), trust_crl=str(crl))
    assert settings.trust_crl == (crl,)
    assert trust_from_settings(settings) is trust_from_settings(settings)  # read once
    assert trust_from_settings(Settings()) is None
    with pytest.raises(TrustConfigError, match="cannot read the trust anchors"):
        trust_from_settings(Settings(trust_anchors=str(tmp_path / "missing.pem")))
    with pytest.raises(ValidationError, match="needs trust_anchors"):
        Settings(trust_crl=str(crl))


# -- the gateway -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def gateway(
    dialect: str, folder: Path, sandbox: RunningSandbox, **overrides: Any
) -> AsyncIterator[Any]:
    def app(url: str, bus: Any, verifier: Any) -> Any:
        values: dict[str, Any] = {
            "database_url": url,
            "env": "test",
            "axis_url": sandbox.url,
            "axis_system_id": SYSTEM,
            "axis_secret": SECRET,
            "axis_retries": 0,
            "outbound_poll_seconds": 0.05,
            "inbound_poll_seconds": 0.05,
        }
        return create_app(
            Settings(**(values | overrides)), bus=bus, verifier=verifier, axis_transport=sandbox.transport
        )

    async with service_under_test(
        app, migrations=MIGRATIONS, dialect=dialect, name="egov", folder=folder
    ) as running:
        await publish(running.bus, [PROVINCE, HOME_AFFAIRS])
        yield running


def delivery() -> DeliveryCreated:
    """A letter without files (their bytes would come from docs-service, not part of this test)."""
    summary = DocumentSummary(
        document_id=uuid4(),
        exchange_id=f"{SYSTEM},2026/11/20,125/UBND-VP",
        org_id=PROVINCE.org_id,
        org_code=PROVINCE.code,
        org_name=PROVINCE.name,
        number="125",
        notation="UBND-VP",
        type_name="Công văn",
        subject="V/v báo cáo tình hình triển khai Đề án 06 năm 2026",
        issued_on=date(2026, 11, 20),
        place="Ninh Bình",
        signer_name="Phạm Quang Ngọc",
        signer_position="Chủ tịch",
        signer_competence="TM.",
        page_count=1,
    )
    return DeliveryCreated(
        delivery_id=uuid4(),
        dispatch_id=uuid4(),
        sender_org_id=PROVINCE.org_id,
        sender_org_code=PROVINCE.code,
        recipient_org_id=HOME_AFFAIRS.org_id,
        recipient_org_code=HOME_AFFAIRS.code,
        recipient_external=True,
        document=summary,
        created_at=datetime.now(UTC),
    )


async def events(service: Any) -> list[dict[str, Any]]:
    rows = await service.rows(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.seq))
    return [dict(payload) for kind, payload in rows if kind == INBOUND]


async def stored(service: Any, direction: str) -> list[tuple[models.ExchangePackage, models.PackageEvidence]]:
    rows = await service.rows(
        select(models.ExchangePackage.id, models.ExchangePackage.state, models.ExchangePackage.axis_doc_id)
        .where(models.ExchangePackage.direction == direction)
        .order_by(models.ExchangePackage.created_at)
    )
    found = []
    for package_id, state, axis_doc_id in rows:
        evidence = await service.rows(
            select(
                models.PackageEvidence.raw,
                models.PackageEvidence.signature_status,
                models.PackageEvidence.signature_detail,
                models.PackageEvidence.verification,
            ).where(models.PackageEvidence.package_id == package_id)
        )
        found.append(((package_id, state, axis_doc_id), evidence[0] if evidence else None))
    return found


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_gateway_signs_through_pkcs11_and_checks_incoming_signers(
    dialect, softhsm, ca, anchors, tmp_path
):
    label = f"egov-{uuid4().hex[:8]}"
    certificate = key_in_token(label, ca, "Văn thư UBND tỉnh Ninh Bình")
    configured = {
        "signing_pkcs11_module": str(SOFTHSM_LIB),
        "signing_pkcs11_token": TOKEN,
        "signing_pkcs11_pin": PIN,
        "signing_pkcs11_key": label,
        "trust_anchors": str(anchors),
    }
    async with sandbox_in_process() as sandbox, gateway(dialect, tmp_path, sandbox, **configured) as service:
        # Outbound: signed in the token, accepted by the axis, verifiable against the CA.
        await publish(service.bus, [delivery()])

        async def sent():
            found = await stored(service, "out")
            return found if found and found[0][0][1] == "sent" else None

        [((_, _, axis_doc_id), (raw, status, detail, verification))] = await eventually(sent)
        assert status == "valid"
        # Our own evidence is checked as a recipient would: the signer chains to the anchors.
        assert verification["chain"] == "trusted"
        assert detail.startswith("signer trusted: chain to CN=Test Root CA (egov)")
        at_axis = sandbox.state.store.messages[axis_doc_id or ""]
        assert (at_axis.body, at_axis.signature) == (raw, "valid")
        checked = verify_package(raw, trust=TrustStore((ca.certificate,)))
        assert checked.valid, checked.reason
        assert checked.chain == "trusted"
        assert checked.signer is not None
        assert checked.signer.serial_number == certificate.serial_number

        # Inbound: a ministry whose certificate the CA issued, then one it did not.
        sandbox.state.key = ca.issue("Văn thư Bộ Nội vụ")
        async with sandbox.admin() as admin:
            for number in ("4521", "4522"):
                order = {
                    "from_code": HOME_AFFAIRS.code,
                    "to": [SYSTEM],
                    "number": number,
                    "notation": "BNV-CCVC",
                    "subject": "V/v rà soát hồ sơ công chức",
                    "issued_on": "2026-11-25",
                }
                response = await admin.post("/admin/send", json=order)
                assert response.status_code == 201, response.text
                if number == "4521":
                    await eventually(lambda: events(service))
                    sandbox.state.key = SigningKey(*identity("Văn thư Bộ Nội vụ"))  # self-signed

        async def two():
            found = await events(service)
            return found if len(found) == 2 else None

        trusted, untrusted = await eventually(two)
        assert trusted["signature"] == "valid"
        assert trusted["signature_detail"].startswith("signer trusted: chain to CN=Test Root CA (egov)")
        assert untrusted["signature"] == "invalid"
        assert untrusted["signature_detail"].startswith("untrusted signer CN=Văn thư Bộ Nội vụ")

        evidence = {
            row[1]: row for _, row in await stored(service, "in") if row is not None and row[3].get("signer")
        }
        assert set(evidence) == {"valid", "invalid"}
        assert evidence["valid"][3]["chain"] == "trusted"
        assert evidence["invalid"][3]["chain"] == "untrusted"
        assert evidence["invalid"][2].startswith("untrusted signer CN=Văn thư Bộ Nội vụ")


def test_a_refreshed_crl_is_read_again(ca, tmp_path):
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(ca.pem())
    crl_path = tmp_path / "root.crl"
    crl_path.write_bytes(ca.crl().public_bytes(serialization.Encoding.DER))
    settings = Settings(trust_anchors=str(anchors), trust_crl=str(crl_path))
    key = ca.issue("Văn thư sắp bị thu hồi")
    signed = sign_package(package(), key)
    assert verify_package(signed, trust=trust_from_settings(settings)).valid
    ca.revoke(key.certificate.serial_number)
    try:
        crl_path.write_bytes(ca.crl().public_bytes(serialization.Encoding.DER))
    finally:
        ca.revoked.remove(key.certificate.serial_number)
    refreshed = verify_package(signed, trust=trust_from_settings(settings))
    assert refreshed.status is SignatureStatus.INVALID
    assert "was revoked on" in (refreshed.reason or "")


def test_received_packages_are_flagged_when_the_anchors_become_unreadable(ca, tmp_path):
    from egov_gateway.packages.service import packages

    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(ca.pem())
    settings = Settings(trust_anchors=str(anchors))
    signed = sign_package(package(), ca.issue())
    checked = packages.check(signed, settings)
    assert (checked.verification.status, checked.verification.chain) == (SignatureStatus.VALID, "trusted")
    anchors.write_text("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
    flagged = packages.check(signed, settings).verification
    assert (flagged.status, flagged.chain) == (SignatureStatus.INVALID, "untrusted")
    assert (flagged.reason or "").startswith("signer not checked: ")
    assert str(anchors) in (flagged.reason or "")
    assert packages.check(signed, Settings()).verification.reason == NOT_CHECKED
