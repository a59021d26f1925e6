from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_", extra="ignore")

    service_name: str = "egov-gateway"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/egov.sqlite3")
    port: int = 8105
