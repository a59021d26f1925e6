"""Signatures: the leader's PAdES signature then the agency's seal on the main PDF, each a new
version of the file, validated and reported; pyHanko's own CLI accepts our files and rejects altered
ones; the seal before the personal signature is refused; PKCS#11 keys in SoftHSM2; revocation."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from uuid import uuid4

import anyio
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from docs_service import MIGRATIONS, models
from docs_service.app import create_app
from docs_service.config import Settings
from docs_service.signature.devca import SOFTHSM_LIB, DevCA, init_token, softhsm_conf
from kit_bus.testing import DIALECTS, service_under_test

from .docs_harness import agency, create, events, step
from .sign_harness import altered, pyhanko_validate, sample_pdf, serving

LEADER_NAME = "Trần Thị Bình"
AGENCY_NAME = "Ủy ban nhân dân tỉnh Ninh Bình"
TOKEN, PIN = "agency-keys", "5678"


def started(dialect, folder, **settings):
    return service_under_test(
        lambda url, bus, verifier: create_app(
            Settings(
                database_url=url, env="test", blob_dir=folder / "blobs", signing_dir=folder / "signing"
            ).model_copy(update=settings),
            bus=bus,
            verifier=verifier,
        ),
        migrations=MIGRATIONS,
        dialect=dialect,
        name="docs",
        folder=folder,
    )


class Team:
    def __init__(self, service, org_id):
        self.org_id = org_id
        self.leader_id = uuid4()
        self.specialist = service.client_for(org_id, ["specialist"], name="Nguyễn Văn An")
        self.leader = service.client_for(org_id, ["leader"], name=LEADER_NAME, user_id=self.leader_id)
        self.clerk = service.client_for(org_id, ["clerk"], name="Lê Văn Cường")


async def team_of(service):
    return Team(service, await agency(service, name=AGENCY_NAME))


async def approved_with_pdf(team, data=None):
    doc = await create(team)
    uploaded = await team.specialist.post(
        f"/api/v1/documents/{doc['id']}/files",
        files={"file": ("quyet-dinh.pdf", data or sample_pdf())},
        data={"main": "true"},
    )
    assert uploaded.status_code == 201, uploaded.text
    await step(team.specialist, doc["id"], "submit")
    await step(team.leader, doc["id"], "approve")
    return doc, uploaded.json()


async def main_file(client, document_id):
    files = (await client.get(f"/api/v1/documents/{document_id}/files")).json()
    main = next(f for f in (files["items"] if isinstance(files, dict) else files) if f["main"])
    content = await client.get(f"/api/v1/documents/{document_id}/files/{main['id']}/content")
    assert content.status_code == 200, content.text
    return main, content.content


async def signatures(client, document_id):
    response = await client.get(f"/api/v1/documents/{document_id}/signatures")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(params=DIALECTS)
async def service(request, tmp_path):
    async with started(request.param, tmp_path) as running:
        yield running


async def test_sign_then_seal_gives_two_valid_pades_signatures(service):
    team = await team_of(service)
    original = sample_pdf()
    doc, uploaded = await approved_with_pdf(team, original)

    await step(team.leader, doc["id"], "sign")
    main, signed = await main_file(team.leader, doc["id"])
    assert main["id"] == uploaded["id"]
    assert main["sha256"] != uploaded["sha256"]
    assert main["sha256"] == hashlib.sha256(signed).hexdigest()
    assert signed.startswith(original)  # an incremental update: the draft's bytes untouched
    report = await signatures(team.leader, doc["id"])
    [personal] = report["items"]
    assert report["all_valid"] is True
    assert (personal["kind"], personal["origin"], personal["position"]) == ("personal", "signed", 0)
    assert (personal["signer_common_name"], personal["signer_organisation"]) == (LEADER_NAME, AGENCY_NAME)
    assert personal["intact"]
    assert personal["valid"]
    assert personal["trusted"]
    assert personal["bottom_line"]
    assert personal["revocation"] == "good"
    assert personal["signing_time"] is not None
    assert personal["signed_by"] == str(team.leader_id)
    assert personal["problems"] == []

    await step(team.clerk, doc["id"], "seal")
    sealed_main, sealed = await main_file(team.clerk, doc["id"])
    assert sealed.startswith(signed)
    report = await signatures(team.clerk, doc["id"])
    assert [(s["position"], s["kind"]) for s in report["items"]] == [(0, "personal"), (1, "agency")]
    assert report["all_valid"] is True
    seal = report["items"][1]
    assert (seal["signer_common_name"], seal["signer_organisation"]) == (AGENCY_NAME, AGENCY_NAME)
    assert report["items"][0]["modification"] == "FORM_FILLING"  # the seal, nothing else, came after

    # Visible stamps (the stamp font is Debian's fonts-dejavu-core, which `make test` installs): the
    # leader's box, the red seal over its left third (Phụ lục I).
    reader = PdfFileReader(io.BytesIO(sealed))
    rects = {
        s.field_name: [float(v) for v in s.sig_field.get("/Rect", [])] for s in reader.embedded_signatures
    }
    assert service.app.state.signing.stamp_font is not None, "fonts-dejavu-core missing (deploy/tools.sh)"
    box, seal_box = rects["PersonalSignature"], rects["AgencySeal"]
    assert seal_box[0] < box[0] < seal_box[2]
    assert abs(seal_box[2] - (box[0] + (box[2] - box[0]) / 3)) < 1

    history = (await team.clerk.get(f"/api/v1/documents/{doc['id']}/versions")).json()
    actions = [v["action"] for v in (history["items"] if isinstance(history, dict) else history)]
    assert "file_signed_personal" in actions
    assert "file_signed_agency" in actions

    await step(team.clerk, doc["id"], "issue")
    [issued] = await events(service, "docs.document.issued.v1")
    assert [f["sha256"] for f in issued["document"]["files"] if f["main"]] == [sealed_main["sha256"]]


async def test_the_seal_before_the_personal_signature_is_refused(service):
    team = await team_of(service)
    doc, uploaded = await approved_with_pdf(team)
    refused = await team.clerk.post(f"/api/v1/documents/{doc['id']}/seal")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/personal-signature-first")
    main, _ = await main_file(team.clerk, doc["id"])
    assert main["sha256"] == uploaded["sha256"]  # nothing signed
    assert (await signatures(team.clerk, doc["id"]))["items"] == []
    assert await service.scalar(select(func.count()).select_from(models.DocumentSignature)) == 0


async def test_an_unreadable_main_pdf_refuses_the_signature_and_changes_nothing(service):
    team = await team_of(service)
    broken = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    doc, uploaded = await approved_with_pdf(team, broken)
    refused = await team.leader.post(f"/api/v1/documents/{doc['id']}/sign")
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/unsignable-pdf")
    after = (await team.leader.get(f"/api/v1/documents/{doc['id']}")).json()
    assert after["status"] == "approved"
    main, _ = await main_file(team.leader, doc["id"])
    assert main["sha256"] == uploaded["sha256"]


async def test_pyhanko_cli_accepts_our_pdf_and_rejects_an_altered_one(tmp_path):
    crl_folder = tmp_path / "crl"
    crl_folder.mkdir()
    with serving(crl_folder) as port:
        settings = {"signing_crl_url": f"http://127.0.0.1:{port}/dev.crl"}
        async with started(DIALECTS[0], tmp_path / "svc", **settings) as service:
            team = await team_of(service)
            doc, _ = await approved_with_pdf(team)
            await step(team.leader, doc["id"], "sign")
            await step(team.clerk, doc["id"], "seal")
            _, signed = await main_file(team.clerk, doc["id"])
            ca = service.app.state.signing.dev_ca
            (crl_folder / "dev.crl").write_bytes(ca.crl_der())
            good, bad = tmp_path / "signed.pdf", tmp_path / "altered.pdf"
            good.write_bytes(signed)
            bad.write_bytes(altered(signed))

            ok = pyhanko_validate(good, ca.root_path)
            assert ok.returncode == 0, ok.stdout + ok.stderr
            lines = ok.stdout.strip().splitlines()
            assert [line.split(":")[0] for line in lines] == ["PersonalSignature", "AgencySeal"]
            assert all("INTACT:TRUSTED" in line for line in lines)

            rejected = pyhanko_validate(bad, ca.root_path)
            assert rejected.returncode != 0
            assert "INTACT:TRUSTED" not in rejected.stdout

            # Our validator says the same of the altered file when it arrives as an attachment.
            other = await create(team)
            upload = await team.specialist.post(
                f"/api/v1/documents/{other['id']}/files", files={"file": ("nhan-duoc.pdf", bad.read_bytes())}
            )
            assert upload.status_code == 201, upload.text
            report = await signatures(team.specialist, other["id"])
            assert report["all_valid"] is False
            assert [s["origin"] for s in report["items"]] == ["received", "received"]
            assert all(not s["intact"] and not s["bottom_line"] for s in report["items"])
            assert any("changed after signing" in p for p in report["items"][0]["problems"])


async def test_a_foreign_signature_is_reported_untrusted_and_a_revoked_one_revoked(service, tmp_path):
    team = await team_of(service)
    # A PDF signed elsewhere (a CA we do not trust) arrives: reported, never refused.
    foreign = DevCA(tmp_path / "foreign")
    foreign.init(name="Some other CA")
    issued = foreign.issue_pkcs12("x", common_name="Người Lạ", organisation="Nơi khác", passphrase=b"pw")
    from docs_service.signature.keys import KeyReference
    from docs_service.signature.signer import SignatureRequest, sign_pdf

    key = KeyReference(kind="pkcs12", pkcs12_file=issued.pkcs12_path, passphrase="pw")  # noqa: S106
    signed_elsewhere = await anyio.to_thread.run_sync(
        sign_pdf, sample_pdf(), key, SignatureRequest("Foreign")
    )
    doc = await create(team)
    upload = await team.specialist.post(
        f"/api/v1/documents/{doc['id']}/files", files={"file": ("den.pdf", signed_elsewhere)}
    )
    assert upload.status_code == 201, upload.text
    [found] = (await signatures(team.specialist, doc["id"]))["items"]
    assert found["intact"]
    assert found["valid"]
    assert not found["trusted"]
    assert not found["bottom_line"]
    assert found["signer_common_name"] == "Người Lạ"
    assert found["issuer"] == "Some other CA"

    # Our own leader's certificate, revoked after signing: validating again says so.
    signed_doc, _ = await approved_with_pdf(team)
    await step(team.leader, signed_doc["id"], "sign")
    [personal] = (await signatures(team.leader, signed_doc["id"]))["items"]
    assert personal["bottom_line"] is True
    service.app.state.signing.dev_ca.revoke(int(personal["signer_serial"], 16))
    again = await team.leader.post(f"/api/v1/documents/{signed_doc['id']}/signatures/validate")
    assert again.status_code == 200, again.text
    [revoked] = again.json()["items"]
    assert revoked["revocation"] == "revoked"
    assert revoked["bottom_line"] is False
    assert (revoked["kind"], revoked["origin"]) == ("personal", "signed")  # still known as ours
    assert any("revoked" in p for p in revoked["problems"])


async def test_without_a_configured_key_signing_is_refused(tmp_path):
    async with started(DIALECTS[0], tmp_path, signing_dev_ca=False) as service:
        team = await team_of(service)
        doc, uploaded = await approved_with_pdf(team)
        refused = await team.leader.post(f"/api/v1/documents/{doc['id']}/sign")
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/no-signing-key")
        main, _ = await main_file(team.leader, doc["id"])
        assert main["sha256"] == uploaded["sha256"]


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """SoftHSM2 tokens in a private folder; SOFTHSM2_CONF set before the module is first loaded."""
    if not SOFTHSM_LIB.exists():
        pytest.fail("softhsm2 is not installed: deploy/tools.sh (run by make test) installs it")
    folder = tmp_path_factory.mktemp("softhsm")
    conf = softhsm_conf(folder)
    if os.environ.get("SOFTHSM2_CONF", str(conf)) != str(conf):
        conf = Path(os.environ["SOFTHSM2_CONF"])
    os.environ["SOFTHSM2_CONF"] = str(conf)
    # SoftHSM lists its tokens when the module is loaded: create the one token before any test does.
    init_token(conf, TOKEN, pin=PIN, so_pin="1234")
    return conf


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_keys_generated_inside_a_softhsm2_token_sign_through_pkcs11(softhsm, dialect, tmp_path):
    label = f"seal-{uuid4().hex[:8]}"
    async with started(dialect, tmp_path, softhsm2_conf=softhsm) as service:
        team = await team_of(service)
        ca = service.app.state.signing.dev_ca
        ca.init()
        issued = ca.issue_in_token(
            lib_path=SOFTHSM_LIB,
            token_label=TOKEN,
            pin=PIN,
            key_label=label,
            common_name=AGENCY_NAME,
            organisation=AGENCY_NAME,
            unit="Văn thư",
        )
        from docs_service.signature.keys import KeyReference, agency_key_name

        service.app.state.signing.keys[agency_key_name(team.org_id)] = KeyReference(
            kind="pkcs11", token_label=TOKEN, key_label=label, pin=PIN
        )
        doc, _ = await approved_with_pdf(team)
        await step(team.leader, doc["id"], "sign")
        await step(team.clerk, doc["id"], "seal")
        report = await signatures(team.clerk, doc["id"])
        assert report["all_valid"] is True
        seal = report["items"][1]
        assert seal["key_ref"] == f"pkcs11:{TOKEN}/{label}"
        assert int(seal["signer_serial"], 16) == issued.serial
        assert report["items"][0]["key_ref"].startswith("pkcs12:")
        _, signed = await main_file(team.clerk, doc["id"])
        path = tmp_path / "sealed.pdf"
        path.write_bytes(signed)
        assert b"BEGIN PRIVATE KEY" not in signed


async def test_the_ca_command_initialises_issues_revokes_and_writes_the_crl(tmp_path, capsys):
    import json

    from cryptography import x509

    from docs_service.signature.commands import ca as ca_command

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/docs.sqlite3", env="test")
    assert settings.signing_dir == tmp_path / "signing" / "docs"
    assert await ca_command(settings, ["init"]) == 0
    assert (tmp_path / "signing" / "docs" / "ca" / "root.pem").exists()
    capsys.readouterr()
    assert (
        await ca_command(settings, ["issue", "--cn", LEADER_NAME, "--org", AGENCY_NAME, "--name", "l1"]) == 0
    )
    issued = json.loads(capsys.readouterr().out)
    assert issued["key_reference"]["kind"] == "pkcs12"
    assert "CN=Trần Thị Bình" in issued["subject"]
    assert await ca_command(settings, ["revoke", issued["serial"]]) == 0
    out = tmp_path / "published.crl"
    assert await ca_command(settings, ["crl", "--out", str(out)]) == 0
    crl = x509.load_der_x509_crl(out.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(issued["serial"], 16)) is not None
    refused = await ca_command(
        settings, ["issue", "--cn", "X", "--name", "t", "--token", "t", "--pin-env", "NO_SUCH_PIN_VAR"]
    )
    assert refused == 2


async def test_a_signature_that_cannot_be_parsed_is_reported_and_the_upload_kept(service):
    team = await team_of(service)
    doc, _ = await approved_with_pdf(team)
    await step(team.leader, doc["id"], "sign")
    _, signed = await main_file(team.leader, doc["id"])
    at = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", at)
    broken = signed[:at] + b"0" * (end - at) + signed[end:]  # the CMS blob zeroed out
    other = await create(team)
    upload = await team.specialist.post(
        f"/api/v1/documents/{other['id']}/files", files={"file": ("hong.pdf", broken)}
    )
    assert upload.status_code == 201, upload.text
    [found] = (await signatures(team.specialist, other["id"]))["items"]
    assert found["bottom_line"] is False
    assert found["problems"]


async def test_a_key_that_cannot_be_opened_fails_the_step_and_changes_nothing(tmp_path):
    async with started(DIALECTS[0], tmp_path) as service:
        team = await team_of(service)
        ca = service.app.state.signing.dev_ca
        ca.init()
        issued = ca.issue_pkcs12(
            "leader", common_name=LEADER_NAME, organisation=AGENCY_NAME, passphrase=b"right"
        )
        from docs_service.signature.keys import KeyReference, person_key_name

        service.app.state.signing.keys[person_key_name(team.leader_id)] = KeyReference(
            kind="pkcs12",
            pkcs12_file=issued.pkcs12_path,
            passphrase="not-it-4711",  # noqa: S106
        )
        doc, uploaded = await approved_with_pdf(team)
        refused = await team.leader.post(f"/api/v1/documents/{doc['id']}/sign")
        assert refused.status_code == 503
        problem = refused.json()
        assert problem["type"].endswith("/signing-failed")
        assert "not-it-4711" not in problem["detail"]  # the passphrase is never echoed
        assert (await team.leader.get(f"/api/v1/documents/{doc['id']}")).json()["status"] == "approved"
        main, _ = await main_file(team.leader, doc["id"])
        assert main["sha256"] == uploaded["sha256"]


def test_key_references_come_from_the_environment(monkeypatch, tmp_path):
    user = uuid4()
    monkeypatch.setenv(
        "DOCS_SIGNING_KEYS",
        f'{{"user:{user}": {{"kind": "pkcs11", "token_label": "leaders", "key_label": "l1", "pin": "1111"}},'
        f' "agency:{user}": {{"kind": "pkcs12", "pkcs12_file": "{tmp_path}/a.p12", "passphrase": "p"}}}}',
    )
    settings = Settings()
    key = settings.signing_keys[f"user:{user}"]
    assert (key.kind, key.token_label, key.key_label) == ("pkcs11", "leaders", "l1")
    assert key.pin is not None
    assert "1111" not in repr(key)
    assert key.describe() == "pkcs11:leaders/l1"
    assert settings.signing_keys[f"agency:{user}"].describe() == "pkcs12:a.p12"
    assert Settings(env="production").dev_ca_enabled is False
