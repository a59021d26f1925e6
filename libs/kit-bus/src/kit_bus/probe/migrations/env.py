from kit_bus import bus_metadata
from kit_bus.probe import metadata
from kit_db import run_env

run_env([metadata, bus_metadata])
