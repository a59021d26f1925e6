"""egov-gateway: exchanges documents with the national axis (walking skeleton: the routing directory)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
