from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class DocumentFile(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    document_id: UUID
    sha256: str = Field(description="hex SHA-256 of the content; the store keeps one copy per digest")
    name: str = Field(description="the uploaded name, sanitised")
    content_type: str = Field(description="sniffed from the content, not taken from the client")
    size: int
    main: bool = Field(description="the main document (the PDF that is signed), not an attachment")
    uploaded_by: UUID | None
    uploaded_at: datetime


class VerifyReport(BaseModel):
    checked: int
    ok: int
    changed: list[str] = Field(description="digests whose stored bytes no longer hash to them")
    missing: list[str] = Field(description="digests with no stored object")
    unreferenced: list[str] = Field(
        description="stored objects no file refers to (an upload whose transaction rolled back): harmless"
    )
