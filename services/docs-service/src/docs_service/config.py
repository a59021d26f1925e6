from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url

from kit_core import ServiceSettings

from .signature.devca import DEFAULT_CRL_URL
from .signature.keys import KeyReference


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOCS_", extra="ignore")

    service_name: str = "docs-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/docs.sqlite3")
    port: int = 8103
    blob_dir: Path = Field(
        default=Path("var/blobs/docs"),
        description=(
            "the local content-addressed store, one file per SHA-256 (a volume in distributed mode); "
            "unset with a SQLite database, it sits beside the database file (blobs/docs)"
        ),
    )
    max_file_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="largest file one upload may carry"
    )

    # Signatures (PAdES). Key references come from here (or DOCS_SIGNING_KEYS as JSON), never the database.
    signing_dir: Path = Field(
        default=Path("var/signing/docs"),
        description=(
            "the development CA, its CRL, dev PKCS#12 keys and the SoftHSM2 token folder; unset with a "
            "SQLite database, it sits beside the database file (signing/docs)"
        ),
    )
    signing_keys: dict[str, KeyReference] = Field(
        default_factory=dict,
        description=(
            "signing keys by owner: 'user:<user id>' for a leader's personal key, 'agency:<agency id>' "
            "for an agency's seal; each a PKCS#11 token/label (+PIN) or a PKCS#12 file (+passphrase)"
        ),
    )
    signing_dev_ca: bool = Field(
        default=True,
        description=(
            "outside production: a person or agency without a configured key gets a PKCS#12 key issued "
            "by the development CA on first signing, and the dev CA's root and CRL are trusted"
        ),
    )
    signing_dev_passphrase: SecretStr = SecretStr("dev-only-pkcs12")
    signing_crl_url: str = Field(
        default=DEFAULT_CRL_URL, description="the CRL distribution point written into dev CA certificates"
    )
    trust_roots: list[Path] = Field(
        default_factory=list, description="PEM files of the CA roots whose signatures are trusted"
    )
    crl_files: list[Path] = Field(
        default_factory=list, description="CRL files (DER or PEM) used for revocation"
    )
    revocation_fetch: bool = Field(
        default=False, description="fetch CRLs/OCSP named in certificates over the network while validating"
    )
    signature_stamps: bool = Field(
        default=True,
        description="visible stamps: the signer's box (blue) and the agency's seal (red) over its left third",
    )
    signature_stamp_font: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        description="a TrueType font with the Vietnamese letters for the stamps; if missing, signatures are invisible",
    )
    softhsm2_conf: Path | None = Field(
        default=None,
        description="SOFTHSM2_CONF for PKCS#11 keys in SoftHSM2 (unless the environment already sets it)",
    )

    @property
    def dev_ca_enabled(self) -> bool:
        return self.signing_dev_ca and self.env != "production"

    @model_validator(mode="after")
    def _blobs_beside_sqlite(self) -> Self:
        # The embedded host moves every SQLite file under its --var folder; the files follow it.
        if "blob_dir" not in self.model_fields_set:
            url = make_url(self.database_url.get_secret_value())
            if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
                self.blob_dir = Path(url.database).parent / "blobs" / "docs"
        if "signing_dir" not in self.model_fields_set:
            url = make_url(self.database_url.get_secret_value())
            if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
                self.signing_dir = Path(url.database).parent / "signing" / "docs"
        return self
