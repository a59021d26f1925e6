"""notify-service: tells people what happened — in-app feed, e-mail and SMS, from templates, by preference."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
