"""The command line every service shares: ``python -m <service> migrate|serve|worker|dlq``.

- ``migrate``: create the database if needed and run the service's Alembic migrations;
- ``serve``: the HTTP API (with relay and consumers unless ``--no-workers``);
- ``worker``: relay, consumers and the service's own ``workers`` (sweeps, senders), no HTTP;
- ``dlq list`` / ``dlq replay [ID ...]``: show dead letters, or apply them again with the current
  handlers (each at most once: the inbox still guards it);
- whatever a service adds through ``commands``: a name mapped to an async callable that receives the
  settings and the arguments after the name, and returns the exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from fastapi import FastAPI

from kit_contracts import Event
from kit_core import ServiceSettings, configure_logging
from kit_db import ensure_database, upgrade

from .consumer import Consumer, Handler
from .runtime import Worker, open_service_runtime

S = TypeVar("S", bound=ServiceSettings)


async def migrate(settings: ServiceSettings, migrations: Path) -> None:
    url = settings.database_url.get_secret_value()
    await ensure_database(url)
    await asyncio.to_thread(upgrade, url, migrations)


async def _worker(
    settings: ServiceSettings, handlers: Mapping[type[Event], Handler], workers: Sequence[Worker] = ()
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_service_runtime(settings, handlers=handlers, run_workers=True, workers=workers):
        await stop.wait()


async def _dlq(
    settings: ServiceSettings, handlers: Mapping[type[Event], Handler], action: str, ids: list[str]
) -> int:
    async with open_service_runtime(settings, handlers=handlers, run_workers=False) as runtime:
        await runtime.bus.start()
        try:
            consumer: Consumer | None = runtime.consumer
            if consumer is None:
                sys.stdout.write("this service consumes no events\n")
                return 0
            if action == "list":
                for letter in await consumer.dead_letters():
                    sys.stdout.write(
                        json.dumps(
                            {
                                "id": str(letter["id"]),
                                "event_id": letter["event_id"],
                                "topic": letter["topic"],
                                "partition": letter["partition"],
                                "offset": letter["offset"],
                                "type": letter["headers"].get("ce_type"),
                                "attempts": letter["attempts"],
                                "failed_at": letter["failed_at"].isoformat(),
                                "reason": letter["reason"],
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
                return 0
            results = await consumer.replay([UUID(i) for i in ids] if ids else None)
            for letter_id, outcome in results:
                sys.stdout.write(f"{letter_id}\t{outcome}\n")
            return 0 if all(outcome == "replayed" for _, outcome in results) else 1
        finally:
            await runtime.bus.stop()


def main(
    *,
    settings_factory: Callable[[], S],
    app_factory: Callable[..., FastAPI],
    handlers: Mapping[type[Event], Handler] | None = None,
    migrations: Path,
    argv: list[str] | None = None,
    commands: Mapping[str, Callable[[S, list[str]], Coroutine[Any, Any, int]]] | None = None,
    workers: Sequence[Worker] = (),
) -> int:
    extra = dict(commands or {})
    args_given = sys.argv[1:] if argv is None else argv
    if args_given and args_given[0] in extra:  # the command parses its own arguments
        settings = settings_factory()
        configure_logging(json=settings.log_json, level=settings.log_level)
        return asyncio.run(extra[args_given[0]](settings, args_given[1:]))
    parser = argparse.ArgumentParser()
    subcommands = parser.add_subparsers(dest="command", required=True)
    subcommands.add_parser("migrate", help="create the database if missing and apply migrations")
    serve = subcommands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--no-workers", action="store_true", help="do not run the outbox relay and consumers")
    subcommands.add_parser("worker", help="run the outbox relay and consumers, without HTTP")
    dlq = subcommands.add_parser("dlq", help="dead letters")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("ids", nargs="*", help="dead letter ids to replay (default: all pending)")
    for name, command in extra.items():  # listed in --help; run above
        subcommands.add_parser(name, help=(command.__doc__ or "").strip().split("\n")[0] or None)
    args = parser.parse_args(args_given)
    settings = settings_factory()
    configure_logging(json=settings.log_json, level=settings.log_level)
    if args.command == "migrate":
        asyncio.run(migrate(settings, migrations))
        return 0
    if args.command in ("worker", "dlq"):
        # What a service consumes and its own loops are what its app declares
        # (create_service_app(handlers=..., workers=...)), so `worker` runs exactly what `serve`
        # without --no-workers runs, minus HTTP, and `dlq replay` applies with the same handlers.
        # (Building the app does no I/O: its resources live in the lifespan, which does not run here.)
        app = app_factory(settings)
        consumed = handlers if handlers is not None else app.state.event_handlers
        if args.command == "dlq":
            return asyncio.run(_dlq(settings, consumed, args.action, args.ids))
        asyncio.run(_worker(settings, consumed, workers or app.state.service_workers))
        return 0
    import uvicorn

    app = app_factory(settings, run_workers=not args.no_workers)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
    )
    return 0
