"""Operator commands, run beside the service with its settings (``python -m egov_gateway …``).

- ``directory sync [--out FILE.csv] [--export ROUTING_EXPORT.csv]``: lists the axis's agencies, prints
  which are new, changed or gone compared with egov's directory replica, and writes them as a CSV in
  routing-service's import format (``python -m routing_service orgs import FILE.csv`` applies it after
  review). egov never writes routing's directory itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from kit_db import make_engine, make_sessionmaker

from . import models
from .axis import AxisClient, AxisError, RetryPolicy
from .config import Settings
from .directory_sync.axis_sync import SyncPlan, level1, plan, read_export


async def sync(
    settings: Settings,
    *,
    export: bytes | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SyncPlan:
    async with AxisClient(
        base_url=settings.axis_url,
        system_id=settings.axis_system_id,
        secret=settings.axis_secret.get_secret_value(),
        timeout=settings.axis_timeout_seconds,
        retry=RetryPolicy(
            retries=settings.axis_retries,
            base_seconds=settings.axis_backoff_seconds,
            max_seconds=settings.axis_backoff_max_seconds,
        ),
        transport=transport,
    ) as client:
        agencies = await client.agencies()
    engine = make_engine(url=settings.database_url.get_secret_value(), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            replica = list((await session.execute(select(models.DirectoryEntry))).scalars())
    finally:
        await engine.dispose()
    return plan(
        agencies,
        replica,
        own_group=level1(settings.axis_system_id),
        export=read_export(export) if export is not None else None,
    )


async def directory(settings: Settings, argv: list[str]) -> int:
    """the agency directory against the national axis: report and a CSV for routing's import"""
    parser = argparse.ArgumentParser(prog="egov_gateway directory")
    sub = parser.add_subparsers(dest="action", required=True)
    synced = sub.add_parser(
        "sync", help="compare the axis's agencies with the directory; write a CSV to import"
    )
    synced.add_argument("--out", type=Path, default=Path("axis-agencies.csv"), help="the CSV to write")
    synced.add_argument(
        "--export",
        type=Path,
        default=None,
        help="routing's GET /api/v1/orgs/export.csv, to keep its other columns",
    )
    args = parser.parse_args(argv)
    try:
        result = await sync(settings, export=args.export.read_bytes() if args.export else None)
    except AxisError as exc:
        sys.stdout.write(f"the axis could not be read: {exc}\n")
        return 1
    sys.stdout.write(result.report())
    if result.rows:
        args.out.write_bytes(result.csv())
        sys.stdout.write(
            f"{len(result.rows)} row(s) written to {args.out}; review, then: "
            f"python -m routing_service orgs import {args.out}\n"
        )
    else:
        sys.stdout.write("nothing to import\n")
    return 0


COMMANDS: dict[str, Callable[[Settings, list[str]], Coroutine[Any, Any, int]]] = {"directory": directory}
