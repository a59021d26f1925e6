from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, String, Table, select, text

from kit_db import UTCDateTime, insert_ignore_returning, make_engine, make_sessionmaker, new_metadata

metadata = new_metadata()
thing = Table(
    "thing",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True),
    Column("at", UTCDateTime, nullable=True),
)


@pytest.fixture
async def sessionmaker(tmp_path):
    engine = make_engine(url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_sqlite_is_made_to_behave(sessionmaker):
    async with sessionmaker() as session:
        pragmas = {
            p: (await session.execute(text(f"PRAGMA {p}"))).scalar() for p in ("foreign_keys", "journal_mode")
        }
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal"}


async def test_datetimes_come_back_aware_in_utc(sessionmaker):
    hanoi = timezone(timedelta(hours=7))
    async with sessionmaker() as session, session.begin():
        await session.execute(
            thing.insert().values(id=1, name="a", at=datetime(2027, 1, 1, 6, 30, tzinfo=hanoi))
        )
    async with sessionmaker() as session:
        at = (await session.execute(select(thing.c.at))).scalar_one()
    assert at == datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert at.tzinfo is not None
    with pytest.raises(Exception, match="naive datetime"):
        async with sessionmaker() as session, session.begin():
            await session.execute(thing.insert().values(id=2, name="b", at=datetime(2027, 1, 1)))  # noqa: DTZ001


async def test_savepoints_work_on_sqlite(sessionmaker):
    async with sessionmaker() as session, session.begin():
        await session.execute(thing.insert().values(id=1, name="kept"))
        nested = await session.begin_nested()
        await session.execute(thing.insert().values(id=2, name="undone"))
        await nested.rollback()
    async with sessionmaker() as session:
        assert (await session.execute(select(thing.c.name))).scalars().all() == ["kept"]


async def test_insert_ignore_returns_only_new_rows(sessionmaker):
    async with sessionmaker() as session, session.begin():
        first = await insert_ignore_returning(
            session, thing, [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], thing.c.id
        )
        second = await insert_ignore_returning(
            session, thing, [{"id": 2, "name": "b"}, {"id": 3, "name": "c"}], thing.c.id
        )
    assert sorted(first) == [1, 2]
    assert second == [3]
