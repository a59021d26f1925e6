"""Every service's migrations, rendered as the SQL PostgreSQL would run (`alembic upgrade --sql`,
one file per revision) and linted with squawk (config: .squawk.toml at the repository root)."""

from __future__ import annotations

import importlib
import io
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.support import ROOT

PACKAGES = ["identity_service", "routing_service", "docs_service", "notify_service", "egov_gateway"]
SQUAWK_CONFIG = ROOT / ".squawk.toml"
# Offline rendering needs only the dialect: no server, no driver.
RENDER_URL = "postgresql://migrations@localhost/render"
# What kit_db's runner sets on its connection before any revision runs (kit_db.migrations._run);
# the offline SQL cannot show it, so each rendered file starts with it.
RUNNER_SESSION = "SET lock_timeout = '3s';\n"

# A service's first revision creates its tables in an empty database: nothing else holds a lock
# on them and no statement can be slow, so these rules are not checked there (and are, from the
# second revision on).
BASELINE_RULES_OFF = {"require-statement-timeout"}


@dataclass(frozen=True)
class Known:
    """A finding accepted in a service's first revision: the rule, text of the flagged line, why."""

    rule: str
    line: str
    why: str
    packages: tuple[str, ...] = tuple(PACKAGES)


KNOWN = [
    # kit_bus tables (kit_bus.migration_ops.create_bus_tables), in every service's first revision
    Known("prefer-bigint-over-int", "partition INTEGER", "a Kafka partition number is 32-bit in Kafka"),
    Known("prefer-bigint-over-int", "attempts INTEGER", "bounded by the consumer's RetryPolicy"),
    # docs-service registers
    Known("prefer-bigint-over-int", "year INTEGER", "a calendar year", ("docs_service",)),
    Known("prefer-bigint-over-int", "last_number INTEGER", "numbers restart every year", ("docs_service",)),
]


def squawk() -> str:
    found = shutil.which("squawk") or str(Path(sys.prefix) / "bin/squawk")
    assert Path(found).exists(), "squawk missing: the dev dependency squawk-cli provides it"
    return found


def lint(path: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [squawk(), "--config", str(SQUAWK_CONFIG), "--reporter", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def flagged_line(sql: str, finding: dict[str, Any]) -> str:
    return sql.splitlines()[finding["line"]].strip()  # squawk counts lines from 0


def alembic_config(package: str, buffer: io.StringIO) -> Config:
    cfg = Config(output_buffer=buffer)
    cfg.set_main_option("script_location", str(importlib.import_module(package).MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", RENDER_URL)
    cfg.attributes["configure_logging"] = False
    return cfg


def render(package: str, tmp_path: Path) -> list[Path]:
    """One SQL file per revision, oldest first."""
    revisions = list(
        reversed(list(ScriptDirectory.from_config(alembic_config(package, io.StringIO())).walk_revisions()))
    )
    files = []
    for index, revision in enumerate(revisions):
        down = revision.down_revision
        assert not isinstance(down, tuple | list), (
            f"{revision.revision}: merge revisions are not rendered here"
        )
        buffer = io.StringIO()
        command.upgrade(
            alembic_config(package, buffer),
            f"{down}:{revision.revision}" if down else revision.revision,
            sql=True,
        )
        path = tmp_path / f"{package}-{index:03d}-{revision.revision}.sql"
        path.write_text(RUNNER_SESSION + buffer.getvalue(), encoding="utf-8")
        files.append(path)
    return files


@pytest.mark.parametrize("package", PACKAGES)
def test_migrations_render_as_offline_sql_that_squawk_accepts(package: str, tmp_path: Path) -> None:
    files = render(package, tmp_path)
    assert files, "no revisions"
    assert "CREATE TABLE outbox" in files[0].read_text(encoding="utf-8")
    unexpected: list[str] = []
    known = [k for k in KNOWN if package in k.packages]
    used: set[int] = set()
    for index, path in enumerate(files):
        sql = path.read_text(encoding="utf-8")
        for finding in lint(path):
            line = flagged_line(sql, finding)
            rule = finding["rule_name"]
            if index == 0 and rule in BASELINE_RULES_OFF:
                continue
            matches = [i for i, k in enumerate(known) if index == 0 and k.rule == rule and k.line in line]
            if matches:
                used.update(matches)
                continue
            unexpected.append(f"{path.name}:{finding['line'] + 1}: {rule}: {finding['message']}\n    {line}")
    assert unexpected == [], "squawk:\n" + "\n".join(unexpected)
    stale = [f"{k.rule} on {k.line!r}" for i, k in enumerate(known) if i not in used]
    assert stale == [], f"accepted findings that no longer occur; remove them from KNOWN: {stale}"


def test_squawk_flags_unsafe_changes_to_existing_tables(tmp_path: Path) -> None:
    path = tmp_path / "unsafe.sql"
    path.write_text(
        RUNNER_SESSION
        + "BEGIN;\n"
        + "ALTER TABLE org ADD COLUMN region TEXT NOT NULL;\n"
        + "CREATE INDEX ix_org_name ON org (name);\n"
        + "COMMIT;\n",
        encoding="utf-8",
    )
    sql = path.read_text(encoding="utf-8")
    found = {(f["rule_name"], flagged_line(sql, f)) for f in lint(path)}
    assert ("adding-required-field", "ALTER TABLE org ADD COLUMN region TEXT NOT NULL;") in found
    assert ("require-concurrent-index-creation", "CREATE INDEX ix_org_name ON org (name);") in found
    assert not any(rule == "require-lock-timeout" for rule, _ in found), "the runner's lock_timeout counts"
    assert any(rule == "require-statement-timeout" for rule, _ in found), "on by default after the baseline"
