"""Engine construction: URL normalization, SQLite pragmas, in-memory databases."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import UnsupportedDatabaseURL, create_engine, normalize_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///./mentorbot.db", "sqlite+aiosqlite:///./mentorbot.db"),
        ("sqlite:////var/lib/mentorbot.db", "sqlite+aiosqlite:////var/lib/mentorbot.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://bot@db:5432/mentorbot", "postgresql+asyncpg://bot@db:5432/mentorbot"),
        ("postgres://bot@db/mentorbot", "postgresql+asyncpg://bot@db/mentorbot"),
        ("postgresql+asyncpg://bot@db/mentorbot", "postgresql+asyncpg://bot@db/mentorbot"),
        (
            "postgresql://bot@db/mentorbot?sslmode=require",
            "postgresql+asyncpg://bot@db/mentorbot?ssl=require",
        ),
    ],
)
def test_urls_people_write_get_the_async_driver(given: str, expected: str) -> None:
    assert normalize_url(given) == make_url(expected)


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/mentorbot", "sqlite+pysqlite:///x.db", "postgresql+psycopg2://h/d"],
)
def test_unsupported_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseURL, match=r"SQLite .* or PostgreSQL"):
        create_engine(url)


def test_the_error_does_not_show_the_password() -> None:
    with pytest.raises(UnsupportedDatabaseURL) as caught:
        normalize_url("mysql://root:hunter2@localhost/mentorbot")
    assert "hunter2" not in str(caught.value)


def test_garbage_is_not_a_url() -> None:
    with pytest.raises(UnsupportedDatabaseURL, match="not a database URL"):
        normalize_url("mentorbot.db")


async def test_memory_database_is_shared_by_every_connection() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT x FROM t"))).scalar_one() == 1
            foreign_keys = await connection.exec_driver_sql("PRAGMA foreign_keys")
            assert foreign_keys.scalar_one() == 1
    finally:
        await engine.dispose()


async def test_sqlite_file_uses_wal_and_foreign_keys(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
    try:
        async with engine.connect() as connection:
            mode = await connection.exec_driver_sql("PRAGMA journal_mode")
            assert mode.scalar_one() == "wal"
            foreign_keys = await connection.exec_driver_sql("PRAGMA foreign_keys")
            assert foreign_keys.scalar_one() == 1
    finally:
        await engine.dispose()
    assert (tmp_path / "mentorbot.db").exists()


async def test_sqlite_rolls_back_ddl_and_dml_together(tmp_path) -> None:
    """The explicit BEGIN makes SQLite transactions cover DDL too (what migrations rely on)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
    try:

        async def create_then_fail() -> None:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE t (x INTEGER)"))
                await connection.execute(text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            await create_then_fail()
        async with engine.connect() as connection:
            tables = await connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
            assert tables.all() == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "module",
    ["storage", "storage.engine", "storage.tables", "storage.migrate", "storage.store"],
)
def test_importing_storage_creates_no_engine(module: str) -> None:
    imported = importlib.import_module(module)
    assert not [
        name
        for name, value in vars(imported).items()
        if isinstance(value, AsyncEngine | Engine | Connection)
    ]
