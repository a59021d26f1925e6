from pydantic import BaseModel, ConfigDict, Field


class StoredBlob(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sha256: str = Field(description="hex SHA-256 of the content: the key an incoming copy adopts it by")
    content_type: str = Field(description="sniffed from the content when it was first stored")
    size: int
