from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from kit_core import DEV_SECRET, ServiceSettings

from .exchange import RSA_SHA256, SHA256


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_", extra="ignore")

    service_name: str = "egov-gateway"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/egov.sqlite3")
    port: int = 8105

    # The national axis (the sandbox in development: python -m egov_gateway.sandbox --port 8190).
    axis_url: str = "http://127.0.0.1:8190"
    axis_system_id: str = Field(
        default="000.00.00.H42", max_length=50, description="mã trung tâm liên thông of this installation"
    )
    axis_secret: SecretStr = DEV_SECRET
    axis_timeout_seconds: float = Field(default=10.0, gt=0)
    axis_retries: int = Field(
        default=4, ge=0, le=20, description="retries of one call on network errors, 5xx, 429"
    )
    axis_backoff_seconds: float = Field(default=0.5, gt=0)
    axis_backoff_max_seconds: float = Field(default=10.0, gt=0)
    # Outbound: a package that could not be sent is tried again after send_retry_seconds * 2**(attempts-1),
    # at most send_max_attempts times (VOffice resends at most 5 times), then it has finally failed.
    send_max_attempts: int = Field(default=5, ge=1, le=50)
    send_retry_seconds: float = Field(default=30.0, gt=0)
    outbound_poll_seconds: float = Field(default=2.0, gt=0)
    outbound_batch: int = Field(default=20, ge=1, le=500)
    # Inbound: how often the axis inbox is polled, and how many packages per call.
    inbound_poll_seconds: float = Field(default=10.0, gt=0)
    inbound_batch: int = Field(default=50, ge=1, le=500)
    max_package_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_package_depth: int = Field(default=64, ge=8, le=1000)
    # Signing: a PKCS#12 bundle (signing_key_path alone) or a PEM key plus signing_certificate_path.
    # Without one, development and test sign with a key generated at start-up; production refuses to send.
    signing_key_path: Path | None = None
    signing_certificate_path: Path | None = None
    signing_key_password: SecretStr | None = None
    # Or a key held in a PKCS#11 token or HSM (SoftHSM2 in development and test): the module (.so),
    # the token's label, the user PIN and the key's label. The certificate is the token's object with
    # the same label, or signing_certificate_path (signer first, then its chain) when given.
    signing_pkcs11_module: Path | None = None
    signing_pkcs11_token: str | None = None
    signing_pkcs11_pin: SecretStr | None = None
    signing_pkcs11_key: str | None = None
    signature_algorithm: str = RSA_SHA256
    digest_algorithm: str = SHA256
    # Verification of received packages: accept 2016-era RSA-SHA1 signatures; refuse (rather than
    # store and flag) packages whose signature is missing or invalid.
    allow_sha1_signatures: bool = False
    reject_unsigned: bool = False
    # Whom to trust: a PEM bundle or a directory of CA certificates (e.g. the VGCA roots) a signer's
    # certificate must chain to, and CRL files (PEM or DER; comma-separated in the environment).
    # Without anchors, signatures are checked but their signers are not ("chain not checked").
    trust_anchors: Path | None = None
    trust_crl: Annotated[tuple[Path, ...], NoDecode] = ()
    # Statistics for the Government portal: pushed every stats_publish_seconds for the current month and
    # the stats_publish_months - 1 before it, each agency-month only when its numbers changed.
    portal_url: str | None = Field(default=None, description="the portal's statistics API; none: axis_url")
    stats_publish_seconds: float = Field(default=3600.0, gt=0)
    stats_publish_months: int = Field(default=2, ge=1, le=24)

    @field_validator("trust_crl", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part.strip()) for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _signing_and_trust(self) -> Self:
        pkcs11 = {
            "signing_pkcs11_module": self.signing_pkcs11_module,
            "signing_pkcs11_token": self.signing_pkcs11_token,
            "signing_pkcs11_key": self.signing_pkcs11_key,
        }
        given = [name for name, value in pkcs11.items() if value]
        if given and len(given) < len(pkcs11):
            missing = ", ".join(name.upper() for name in pkcs11 if name not in given)
            raise ValueError(f"a PKCS#11 signing key also needs EGOV_{missing.replace(', ', ', EGOV_')}")
        if given and self.signing_key_path is not None:
            raise ValueError("configure either a PKCS#11 signing key or signing_key_path, not both")
        # The files themselves are read when packages are checked (the migrate command does not mount
        # them); unreadable ones flag every received package "signer not checked", never pass it.
        if self.trust_crl and self.trust_anchors is None:
            raise ValueError("trust_crl needs trust_anchors (a CRL is checked along a chain to them)")
        return self

    # docs-service holds the files of documents: outgoing packages carry their bytes (fetched by digest),
    # the attachments of received packages are stored there before the document is announced. The
    # gateway signs in as a service client (client credentials, scope exchange.files) of identity-service.
    docs_url: str = "http://127.0.0.1:8103"
    identity_url: str = "http://127.0.0.1:8101"
    client_id: str = Field(default="egov-gateway", min_length=1, max_length=64)
    client_secret: SecretStr = DEV_SECRET
    docs_timeout_seconds: float = Field(default=30.0, gt=0)
