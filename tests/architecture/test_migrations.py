"""Every service's migrations: one head, checked in; up, down and up again on both dialects; and
the schema they build is the schema the models describe (nothing left for autogenerate)."""

from __future__ import annotations

import asyncio
import importlib
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from kit_bus import bus_metadata
from kit_bus.testing import DIALECTS, database_url
from kit_db import drop_database, ensure_database, heads, make_engine, upgrade
from kit_db.migrations import _config

SERVICES = ["identity_service", "routing_service", "docs_service", "notify_service", "egov_gateway"]


def migrations_of(package: str) -> Path:
    return Path(importlib.import_module(package).MIGRATIONS)


FTS5 = re.compile(r".+_fts(_(data|idx|content|docsize|config))?")


def not_fts5(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """SQLite FTS5 tables (and their shadow tables) are search indexes no model describes."""
    return not (type_ == "table" and name is not None and FTS5.fullmatch(name))


def metadata_of(package: str) -> MetaData:
    combined = MetaData()
    for source in (importlib.import_module(f"{package}.models").Base.metadata, bus_metadata):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


@pytest.mark.parametrize("package", SERVICES)
def test_one_head_and_it_is_checked_in(package):
    folder = migrations_of(package)
    assert heads(folder) == [(folder / ".current-alembic-head").read_text().strip()]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("package", SERVICES)
async def test_up_down_up_and_models_match(package, dialect, tmp_path):
    from alembic import command

    folder = migrations_of(package)
    url = database_url(dialect, package.replace("_", ""), tmp_path)
    await ensure_database(url)
    try:
        await asyncio.to_thread(upgrade, url, folder)
        await asyncio.to_thread(command.downgrade, _config(url, folder), "base")
        await asyncio.to_thread(upgrade, url, folder)
        engine = make_engine(url=url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(
                            sync, opts={"compare_type": True, "include_name": not_fts5}
                        ),
                        metadata_of(package),
                    )
                )
        finally:
            await engine.dispose()
        assert diff == [], f"{package}: models and migrations disagree on {dialect}"
    finally:
        await drop_database(url)
