"""egov-gateway: exchanges edXML packages with the national document axis, keeps their evidence, and
holds the routing table (which agencies are served here, which are reached through the axis)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
