"""Operator commands, run beside the service with its settings (``python -m routing_service …``).

- ``orgs import FILE``: create and update agencies from a CSV file (the format of
  ``GET /api/v1/orgs/export.csv``), all or nothing, as ``POST /api/v1/orgs/import`` does. On a
  new installation this puts the first agencies into the directory, before anyone can sign in:
  the first system administrator (``identity_service users create-admin``) must belong to one.
- ``orgs seed small|full``: the Ninh Bình demo tenant (never in production).

Changes are announced through the outbox; the running service's relay publishes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from kit_bus import outbox
from kit_db import make_engine, make_sessionmaker

from .config import Settings
from .org.exceptions import ImportRejected
from .org.seed import seed_demo
from .org.service import org as org_service


async def orgs(settings: Settings, argv: list[str]) -> int:
    """the agency directory: import a CSV file, or seed the demo tenant"""
    parser = argparse.ArgumentParser(prog="routing_service orgs")
    sub = parser.add_subparsers(dest="action", required=True)
    imported = sub.add_parser("import", help="create and update agencies from a CSV file, all or nothing")
    imported.add_argument("file", type=Path)
    seeded = sub.add_parser("seed", help="the Ninh Bình demo tenant (not for production)")
    seeded.add_argument("variant", choices=["small", "full"])
    args = parser.parse_args(argv)
    if args.action == "seed" and settings.env == "production":
        sys.stdout.write("not seeded: the demo tenant is not for production\n")
        return 1
    engine = make_engine(url=settings.database_url.get_secret_value(), pool_size=1)
    try:
        maker = make_sessionmaker(engine, **{outbox.SOURCE: settings.service_name})
        if args.action == "seed":
            created = await seed_demo(maker, args.variant)
            sys.stdout.write(f"demo tenant {args.variant}: {created} agencies created\n")
            return 0
        try:
            async with maker() as session, session.begin():
                report = await org_service.import_csv(session, args.file.read_bytes())
        except ImportRejected as exc:
            sys.stdout.write(f"not imported: {exc.detail}\n")
            for error in exc.extra.get("errors", []):
                sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
            return 1
        sys.stdout.write(report.model_dump_json() + "\n")
        return 0
    finally:
        await engine.dispose()


COMMANDS: dict[str, Callable[[Settings, list[str]], Coroutine[Any, Any, int]]] = {"orgs": orgs}
