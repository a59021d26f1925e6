from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOCS_", extra="ignore")

    service_name: str = "docs-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/docs.sqlite3")
    port: int = 8103
