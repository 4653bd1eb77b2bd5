"""Shared database fixtures, for storage tests and for core tests that want a real store.

* `database_url` — the URL of an empty database, parametrized over `sqlite` (a temporary file)
  and `postgres` (marked `postgres`). PostgreSQL comes from `MENTORBOT_TEST_POSTGRES_URL`, e.g.
  `postgresql://postgres@127.0.0.1:5432/test`; when it is unset the postgres cases are skipped,
  unless `CI` is set, in which case they fail: CI must exercise PostgreSQL.
* `database_engine` — an async engine on `database_url`, not migrated; disposed after the test.
* `store` — an `SqlStore` on a migrated `database_url` (both engines).
* `memory_store` — an `SqlStore` on a migrated in-memory SQLite database (fast, for core tests).

On PostgreSQL the test session creates one database with a unique name (dropped at the end) and
each test gets it with an empty `public` schema, so tests are isolated without paying for a
CREATE DATABASE per test.

The adapter test kit (`tests/kit`) is loaded as a plugin here, so every folder gets its
fixtures and imports its helpers the same way: `from tests.kit import …`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore

pytest_plugins = ["tests.kit.plugin"]

POSTGRES_URL_VARIABLE = "MENTORBOT_TEST_POSTGRES_URL"


def _libpq_dsn(url: str, database: str | None = None) -> str:
    """A plain `postgresql://` DSN (what asyncpg itself accepts) for a SQLAlchemy-style URL."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server to test against; skips (or, under CI, fails) when not configured."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                f"CI is set but {POSTGRES_URL_VARIABLE} is not: the PostgreSQL storage tests "
                "must run in CI (e.g. postgresql://postgres@127.0.0.1:5432/test)"
            )
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_URL_VARIABLE}, "
            "e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    return url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_database(postgres_server_url: str) -> AsyncIterator[str]:
    """A database of its own for this test session, dropped at the end; yields its URL."""
    name = f"mentorbot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_libpq_dsn(postgres_server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_libpq_dsn(postgres_server_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _empty_public_schema(url: str) -> None:
    connection = await asyncpg.connect(_libpq_dsn(url))
    try:
        # Fail rather than hang if a test left a connection holding locks.
        await connection.execute("SET lock_timeout = '10s'")
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_backend(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgres`: which engine `database_url` (and so `store`) runs on."""
    return str(request.param)


@pytest.fixture
def _database_location(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> str:
    # Synchronous on purpose: the session-wide PostgreSQL database is only requested for the
    # postgres case (so SQLite runs need no server), and an async fixture cannot request it.
    if database_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'mentorbot.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest_asyncio.fixture
async def database_url(database_backend: str, _database_location: str) -> AsyncIterator[str]:
    """The URL of an empty database: a temporary SQLite file, or the session's PostgreSQL one."""
    if database_backend == "postgres":
        await _empty_public_schema(_database_location)
    yield _database_location
    if database_backend == "postgres":
        await _empty_public_schema(_database_location)


@pytest_asyncio.fixture
async def database_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty `database_url` database (not migrated)."""
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest_asyncio.fixture
async def store(database_engine: AsyncEngine) -> SqlStore:
    """An `SqlStore` on a migrated database, once on SQLite and once on PostgreSQL."""
    await upgrade(database_engine)
    return SqlStore(database_engine)


@pytest_asyncio.fixture
async def memory_store() -> AsyncIterator[SqlStore]:
    """An `SqlStore` on a migrated in-memory SQLite database."""
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        await upgrade(engine)
        yield SqlStore(engine)
    finally:
        await engine.dispose()
