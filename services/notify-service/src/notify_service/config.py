from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kit_core import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify-service"
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///var/notify.sqlite3")
    port: int = 8104
