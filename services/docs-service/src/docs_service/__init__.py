"""docs-service: documents, their registers and numbering (walking skeleton: the agency replica and registers)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
