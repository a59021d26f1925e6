"""notify-service: tells people what happened (walking skeleton: the in-app feed)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
