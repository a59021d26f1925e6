"""Operator commands, run beside the service with its settings (``python -m docs_service …``).

- ``files verify``: hash every stored file again and report those whose bytes changed or that went
  missing (one JSON line each, then a summary, which also lists stored objects nothing refers to);
  exit status 1 if any changed or went missing.
- ``search reindex``: rebuild every document's search entry (and the text of stored PDFs that has
  none); idempotent.
- ``audit verify``: recompute the documents' audit hash chain; name the first broken link (exit 1).
- ``ca init|issue|revoke|crl``: the development CA (see ``signature/commands.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from kit_core import SystemClock
from kit_db import make_engine, make_sessionmaker

from .audit.service import audit_trail
from .blobstore import LocalBlobStore
from .config import Settings
from .file.service import file as file_service
from .search.service import search as search_index
from .signature.commands import ca


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


BATCH = 500


async def search(settings: Settings, argv: list[str]) -> int:
    """the search index: reindex rebuilds every document's entry (and missing PDF text layers)"""
    parser = argparse.ArgumentParser(prog="docs_service search")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("reindex", help="rebuild every document's search entry; idempotent")
    parser.parse_args(argv)
    engine = make_engine(url=settings.database_url.get_secret_value(), pool_size=1)
    sessions, at = make_sessionmaker(engine), SystemClock().now()
    documents, after = 0, None
    try:
        async with sessions.begin() as session:  # one transaction per step: a batch at a time
            layers = await search_index.index_layers(session, LocalBlobStore(settings.blob_dir), at=at)
        while True:
            async with sessions.begin() as session:
                done, last = await search_index.index_batch(session, after, at=at, limit=BATCH)
            if last is None:
                break
            documents, after = documents + done, last
    finally:
        await engine.dispose()
    sys.stdout.write(json.dumps({"documents": documents, "pdf_text_layers": layers}) + "\n")
    return 0


async def audit(settings: Settings, argv: list[str]) -> int:
    """the documents' audit trail: verify recomputes the hash chain and names the first broken link"""
    parser = argparse.ArgumentParser(prog="docs_service audit")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("verify", help="recompute the hash chain; name the first entry that breaks it")
    parser.parse_args(argv)
    engine = make_engine(url=settings.database_url.get_secret_value(), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            report = await audit_trail.verify(session)
    finally:
        await engine.dispose()
    if report.intact:
        sys.stdout.write(f"audit trail intact: {report.entries} entries, head {report.head_hash}\n")
        return 0
    where = f"entry {report.broken_at}" if report.broken_at is not None else "the head"
    sys.stdout.write(f"audit trail BROKEN at {where}: {report.reason} ({report.entries} entries read)\n")
    return 1


COMMANDS: dict[str, Callable[[Settings, list[str]], Coroutine[Any, Any, int]]] = {
    "audit": audit,
    "ca": ca,
    "files": files,
    "search": search,
}
