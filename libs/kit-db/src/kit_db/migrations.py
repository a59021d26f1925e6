"""Alembic, the same way for every service: each has ``migrations/`` with an ``env.py`` that calls
``run_env(metadata)``; ``upgrade(url, folder)`` runs them on either dialect.

On PostgreSQL one migrator runs at a time (advisory lock) and a migration that would wait on a
lock fails fast instead of queueing live traffic behind it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK_KEY = 0x65676F76  # "egov"


def _config(url: str, folder: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(url: str, folder: Path, revision: str = "head") -> None:
    """Blocking; call it from a thread (``asyncio.to_thread``) when a loop is running."""
    command.upgrade(_config(url, folder), revision)


def heads(folder: Path) -> list[str]:
    return list(ScriptDirectory.from_config(_config("sqlite://", folder)).get_heads())


def _run(connection: Connection, metadata: MetaData | list[MetaData]) -> None:
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.execute(text("SET lock_timeout = '3s'"))
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=not postgres,
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if postgres:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()


async def _run_async(url: str, metadata: MetaData | list[MetaData]) -> None:
    from .engine import make_engine

    engine = make_engine(url=url, pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run, metadata)
    finally:
        await engine.dispose()


def run_env(metadata: MetaData | list[MetaData]) -> None:
    """Body of every service's ``migrations/env.py``."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no sqlalchemy.url: run migrations through `python -m <service> migrate`")
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=metadata, literal_binds=True, render_as_batch=is_sqlite_url(url)
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, metadata))


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


async def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist (SQLite creates itself)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = (
                await conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
                )
            ).scalar()
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        await admin.dispose()


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        if parsed.database and parsed.database != ":memory:":
            await asyncio.to_thread(Path(parsed.database).unlink, missing_ok=True)
        return
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        await admin.dispose()
