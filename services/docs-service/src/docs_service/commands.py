"""Operator commands, run beside the service with its settings (``python -m docs_service …``).

- ``files verify``: hash every stored file again and report those whose bytes changed or that went
  missing (one JSON line each, then a summary, which also lists stored objects nothing refers to);
  exit status 1 if any changed or went missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from kit_db import make_engine, make_sessionmaker

from .blobstore import LocalBlobStore
from .config import Settings
from .file.service import file as file_service


async def files(settings: Settings, argv: list[str]) -> int:
    """stored files: verify re-hashes each and reports changed or missing ones"""
    parser = argparse.ArgumentParser(prog="docs_service files")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("verify", help="hash every stored file again; report changed or missing ones")
    parser.parse_args(argv)
    engine = make_engine(url=settings.database_url.get_secret_value(), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            report = await file_service.verify(session, LocalBlobStore(settings.blob_dir))
    finally:
        await engine.dispose()
    for problem, digests in (("changed", report.changed), ("missing", report.missing)):
        for digest in digests:
            sys.stdout.write(json.dumps({"sha256": digest, "problem": problem}) + "\n")
    sys.stdout.write(report.model_dump_json() + "\n")
    return 1 if report.changed or report.missing else 0


COMMANDS: dict[str, Callable[[Settings, list[str]], Coroutine[Any, Any, int]]] = {"files": files}
