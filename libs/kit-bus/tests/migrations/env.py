import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from probe import metadata

from kit_bus import bus_metadata
from kit_db import run_env

run_env([metadata, bus_metadata])
