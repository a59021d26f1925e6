from kit_bus import bus_metadata
from kit_db import run_env
from notify_service.models import Base

run_env([Base.metadata, bus_metadata])
