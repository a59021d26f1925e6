"""Key references: where a signing key lives (a PKCS#11 token and label, or a PKCS#12 file and its
passphrase). They come from settings or the environment, never from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from .devca import SOFTHSM_LIB


class KeyReference(BaseModel):
    """One signing key. ``pkcs11``: a token (by label) holding a private key and its certificate
    (by label); ``pkcs12``: a .p12 file with the key and its chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["pkcs11", "pkcs12"]
    # PKCS#11
    module: Path = Field(default=SOFTHSM_LIB, description="the PKCS#11 module (.so) of the HSM or token")
    token_label: str | None = None
    key_label: str | None = None
    cert_label: str | None = Field(default=None, description="defaults to key_label")
    pin: SecretStr | None = Field(default=None, description="the token's user PIN")
    # PKCS#12
    pkcs12_file: Path | None = None
    passphrase: SecretStr | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.kind == "pkcs11" and not (self.token_label and self.key_label):
            raise ValueError("a pkcs11 key needs token_label and key_label")
        if self.kind == "pkcs12" and self.pkcs12_file is None:
            raise ValueError("a pkcs12 key needs pkcs12_file")
        return self

    def describe(self) -> str:
        """What may be recorded about the key: where it is, never a secret."""
        if self.kind == "pkcs11":
            return f"pkcs11:{self.token_label}/{self.key_label}"[:100]
        return f"pkcs12:{self.pkcs12_file.name if self.pkcs12_file else ''}"[:100]


def person_key_name(user_id: object) -> str:
    return f"user:{user_id}"


def agency_key_name(org_id: object) -> str:
    return f"agency:{org_id}"
