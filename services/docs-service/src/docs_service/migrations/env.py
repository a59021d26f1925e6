from docs_service.models import Base
from kit_bus import bus_metadata
from kit_db import run_env

run_env([Base.metadata, bus_metadata])
