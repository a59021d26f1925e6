from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Signature(BaseModel):
    """One signature in one of the document's PDFs, and what validating it found."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    file_id: UUID | None
    sha256: str = Field(description="the content the signature was found in")
    position: int = Field(description="its order in the file, from 0 (the leader's comes before the seal)")
    origin: str = Field(description="signed (applied here) or received (found in an uploaded file)")
    kind: str | None = Field(description="personal or agency, for signatures applied here")
    key_ref: str | None = Field(description="where the key was (token/label or .p12 name), never a secret")
    field_name: str
    signer_common_name: str = Field(description="CN of the signer's certificate")
    signer_organisation: str = Field(description="O of the signer's certificate")
    signer_serial: str = Field(description="the certificate's serial number, hex")
    issuer: str = Field(description="CN of the certificate's issuer")
    signing_time: datetime | None = Field(description="the signing time the signature claims")
    intact: bool = Field(description="the signed bytes are unchanged")
    valid: bool = Field(description="the cryptographic signature verifies")
    trusted: bool = Field(
        description="the certificate chains to a configured trust root (and is not revoked)"
    )
    revocation: str = Field(description="good (checked against a CRL), revoked, or unknown")
    coverage: str = Field(description="ENTIRE_FILE, or ENTIRE_REVISION when later revisions were added")
    modification: str = Field(description="what changed after signing: NONE, FORM_FILLING (e.g. the seal)…")
    bottom_line: bool = Field(description="valid overall: intact, valid, trusted and acceptable changes")
    summary: str
    problems: list[str]
    signed_by: UUID | None
    validated_at: datetime


class SignatureList(BaseModel):
    items: list[Signature]
    all_valid: bool = Field(description="there is at least one signature and every one is valid overall")
