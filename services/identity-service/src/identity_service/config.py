from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/identity.sqlite3")
    port: int = 8101
