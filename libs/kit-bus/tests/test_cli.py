"""`python -m <service> dlq list|replay`, driven through the shared command line."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter
from sqlalchemy import func, select

from kit_bus import LocalBus, PermanentError, cli, open_runtime
from kit_bus.cli import main
from kit_bus.probe import MIGRATIONS, ProbeEmitted, applied
from kit_bus.service import create_service_app
from kit_bus.testing import publish
from kit_core import ServiceSettings, new_id
from kit_db import make_engine, upgrade

fixed = {"yes": False}


async def strict(session, event, envelope):
    if not fixed["yes"]:
        raise PermanentError("the register for 2027 is not open yet")
    await session.execute(
        applied.insert().values(event_id=envelope.id, probe_id=event.probe_id, note=event.note)
    )


async def dead_letter_one(url: str) -> None:
    bus = LocalBus()
    await bus.start()
    async with open_runtime(
        service="probe-consumer",
        database_url=url,
        bus=bus,
        bus_kind="local",
        kafka_bootstrap="",
        handlers={ProbeEmitted: strict},
    ):
        await publish(bus, [ProbeEmitted(probe_id=new_id(), note="late")])


async def applied_rows(url: str) -> int:
    engine = make_engine(url=url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(applied))).scalar_one())
    finally:
        await engine.dispose()


def test_dlq_list_then_replay_after_the_fix(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/consumer.sqlite3"
    upgrade(url, MIGRATIONS)
    fixed["yes"] = False
    asyncio.run(dead_letter_one(url))
    capsys.readouterr()  # whatever the set-up logged

    def run(*argv: str) -> int:
        return main(
            settings_factory=lambda: ServiceSettings(
                database_url=url, service_name="probe-consumer", log_json=True
            ),
            # the handlers are those the app declares, as for every service
            app_factory=lambda settings, **_: create_service_app(
                settings, title="probe", description="", routers=[], handlers={ProbeEmitted: strict}
            ),
            migrations=MIGRATIONS,
            argv=list(argv),
        )

    assert run("dlq", "list") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1
    assert lines[0]["type"] == ProbeEmitted.event_type
    assert lines[0]["reason"] == "rejected by handler: the register for 2027 is not open yet"

    assert run("dlq", "replay") == 1  # still broken: reported, kept
    assert (
        capsys.readouterr().out.strip().endswith("rejected by handler: the register for 2027 is not open yet")
    )

    fixed["yes"] = True
    assert run("dlq", "replay") == 0
    assert capsys.readouterr().out.strip().endswith("\treplayed")
    assert asyncio.run(applied_rows(url)) == 1
    assert run("dlq", "replay") == 0  # nothing pending: applies nothing twice
    assert asyncio.run(applied_rows(url)) == 1
    assert run("dlq", "list") == 0
    assert capsys.readouterr().out == ""


def test_the_worker_command_runs_the_loops_the_app_declares(monkeypatch, tmp_path):
    """`python -m <service> worker` (what k8s and compose run beside `serve --no-workers`) runs the
    same background loops as a serving process with workers, taken from the app itself."""
    seen: dict[str, object] = {}

    async def fake_worker(settings, handlers, workers):
        seen["workers"] = list(workers)

    async def sweep(runtime) -> None:
        return None

    def factory(settings, run_workers=True):
        return create_service_app(
            settings, title="probe", description="", routers=[APIRouter()], bus=LocalBus(), workers=[sweep]
        )

    monkeypatch.setattr(cli, "_worker", fake_worker)
    settings = ServiceSettings(
        service_name="probe-service", env="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3"
    )
    assert (
        main(
            settings_factory=lambda: settings,
            app_factory=factory,
            handlers={},
            migrations=MIGRATIONS,
            argv=["worker"],
        )
        == 0
    )
    assert seen["workers"] == [sweep]
