"""Database access shared by every service: engines for both dialects, types, repositories, migrations."""

from .base import NAMING_CONVENTION, new_metadata
from .dialect import dialect_name, insert_ignore_returning
from .engine import is_sqlite, make_engine, make_sessionmaker
from .fastapi import SessionDep, install_db_error_handlers, session_scope
from .listen import listen
from .migrations import drop_database, ensure_database, heads, run_env, upgrade
from .repository import RepositoryBase
from .types import UTCDateTime

__all__ = [
    "NAMING_CONVENTION",
    "RepositoryBase",
    "SessionDep",
    "UTCDateTime",
    "dialect_name",
    "drop_database",
    "ensure_database",
    "heads",
    "insert_ignore_returning",
    "install_db_error_handlers",
    "is_sqlite",
    "listen",
    "make_engine",
    "make_sessionmaker",
    "new_metadata",
    "run_env",
    "session_scope",
    "upgrade",
]
