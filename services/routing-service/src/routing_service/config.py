from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    service_name: str = "routing-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/routing.sqlite3")
    port: int = 8102
