from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url

from kit_core import ServiceSettings


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

    @model_validator(mode="after")
    def _blobs_beside_sqlite(self) -> Self:
        # The embedded host moves every SQLite file under its --var folder; the files follow it.
        if "blob_dir" not in self.model_fields_set:
            url = make_url(self.database_url.get_secret_value())
            if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
                self.blob_dir = Path(url.database).parent / "blobs" / "docs"
        return self
