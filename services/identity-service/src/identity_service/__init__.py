"""identity-service: users, memberships, login and tokens."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
