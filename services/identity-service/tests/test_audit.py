"""The authentication audit log: hash-chained, published entry by entry, and verified by a command
that names the first broken link; plus the keys commands."""

from __future__ import annotations

import itertools
import json
import sqlite3
from uuid import uuid4

from identity_harness import PASSWORD, PROVINCE, settings_for
from sqlalchemy import delete, update

from identity_service import MIGRATIONS, models
from identity_service.agency.handlers import HANDLERS
from identity_service.app import create_app
from identity_service.audit.service import audit as audit_service
from identity_service.commands import COMMANDS
from kit_bus.cli import main
from kit_core.hashchain import GENESIS
from kit_db import upgrade


async def verify(identity):
    async with identity.session() as session:
        return await audit_service.verify(session)


async def test_the_chain_verifies_and_shows_tampering(identity):
    province = await identity.agency(PROVINCE)
    await identity.user("an.nv", province)
    await identity.enrol("an.nv")
    await identity.login("an.nv", "wrong password!")
    await identity.login("nobody")

    entries = await identity.audit()
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = await verify(identity)
    assert report.intact
    assert report.entries == len(entries)
    assert report.head_hash == entries[-1].hash
    published = await identity.outbox("identity.auth.recorded.v1")
    assert [(e["entry_id"], e["kind"], e["hash"]) for e in published] == [
        (e.id, e.kind, e.hash) for e in entries
    ]
    assert published[-1]["username"] == "nobody"
    assert published[-1]["user_id"] is None

    victim = entries[2]
    async with identity.session() as session:
        await session.execute(
            update(models.AuthAudit)
            .where(models.AuthAudit.id == victim.id)
            .values(detail=victim.detail | {"ip": "10.0.0.1"})
        )
    report = await verify(identity)
    assert (report.broken_at, report.reason) == (victim.id, "its content does not match its hash")
    async with identity.session() as session:
        await session.execute(
            update(models.AuthAudit).where(models.AuthAudit.id == victim.id).values(detail=victim.detail)
        )
    assert (await verify(identity)).intact

    async with identity.session() as session:
        await session.execute(delete(models.AuthAudit).where(models.AuthAudit.id == victim.id))
    report = await verify(identity)
    assert report.broken_at == entries[3].id
    assert "does not chain" in str(report.reason)


async def test_cutting_entries_off_the_end_is_detected(identity):
    await identity.login("nobody")
    await identity.login("nobody.else")
    last = (await identity.audit())[-1]
    async with identity.session() as session:
        await session.execute(delete(models.AuthAudit).where(models.AuthAudit.id == last.id))
    report = await verify(identity)
    assert not report.intact
    assert report.broken_at is None
    assert "cut off" in str(report.reason)


def test_commands_rotate_keys_and_verify_the_chain(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/identity.sqlite3"
    upgrade(url, MIGRATIONS)

    def run(*argv: str) -> int:
        return main(
            settings_factory=lambda: settings_for(url),
            app_factory=create_app,
            handlers=HANDLERS,
            migrations=MIGRATIONS,
            argv=list(argv),
            commands=COMMANDS,
        )

    assert run("keys", "rotate") == 0
    assert run("keys", "rotate") == 0
    out = capsys.readouterr().out
    listed = [json.loads(line) for line in out.splitlines() if line.startswith("{")][-2:]
    assert [k["published"] for k in listed] == [True, True]  # the retired one stays published
    assert listed[0]["retired_at"] is None
    assert listed[1]["retired_at"] is not None
    assert run("keys", "prune") == 0
    assert "pruned 0 key(s)" in capsys.readouterr().out

    assert run("audit", "verify") == 0
    assert "audit chain intact: 2 entries" in capsys.readouterr().out
    with sqlite3.connect(f"{tmp_path}/identity.sqlite3") as db:
        db.execute("UPDATE auth_audit SET kind = 'key.pruned' WHERE id = 1")
    assert run("audit", "verify") == 1
    assert "BROKEN at entry 1" in capsys.readouterr().out


def test_create_admin_command(tmp_path, capsys, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path}/identity.sqlite3"
    upgrade(url, MIGRATIONS)
    with sqlite3.connect(f"{tmp_path}/identity.sqlite3") as db:
        db.execute(
            "INSERT INTO agency (id, code, name, tier, active, updated_at) VALUES (?, ?, ?, 'province', 1, ?)",
            (uuid4().hex, PROVINCE[0], PROVINCE[1], "2026-11-27 12:00:00.000000"),
        )
    monkeypatch.setenv("IDENTITY_ADMIN_PASSWORD", PASSWORD)
    argv = [
        "users",
        "create-admin",
        "--username",
        "quantri",
        "--full-name",
        "Quản trị",
        "--agency-code",
        PROVINCE[0],
    ]

    def run(*args: str) -> int:
        return main(
            settings_factory=lambda: settings_for(url),
            app_factory=create_app,
            handlers=HANDLERS,
            migrations=MIGRATIONS,
            argv=list(args),
            commands=COMMANDS,
        )

    assert run(*argv) == 0
    assert "created system administrator quantri" in capsys.readouterr().out
    assert run(*argv) == 1
    assert "already in use" in capsys.readouterr().out
