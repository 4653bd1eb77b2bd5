"""Building the database engine from a URL.

Storage uses SQLAlchemy's **async** engine (aiosqlite for SQLite, asyncpg for PostgreSQL), so no
database call ever blocks the event loop that also runs the chat adapters and the scheduler: every
query is awaited. aiosqlite runs SQLite in its own thread; asyncpg speaks the protocol natively.

The URLs people write (`sqlite:///./mentorbot.db`, `postgresql://…`, `postgres://…`) are accepted
and given the async driver. Nothing happens at import time: the composition root calls
`create_engine` and disposes the engine at shutdown.

Engines are built with `hide_parameters=True`: SQL parameters are people's answers, so they never
appear in logs or in the text of a database error. `connect` turns a database that cannot be
reached (refused, unknown host, wrong password, missing file) into `DatabaseUnreachable`, whose
message names the URL (without its password) and what to check.

SQLite connections get, on connect:

* `PRAGMA foreign_keys=ON` — SQLite ignores foreign keys (and so ON DELETE CASCADE) otherwise;
* `PRAGMA journal_mode=WAL` for file databases — readers do not block the writer — with
  `synchronous=NORMAL`, safe in WAL mode (a power cut may lose the last commits, never corrupt);
* Python's implicit transaction handling switched off and an explicit `BEGIN IMMEDIATE` per
  transaction (the recipe of the SQLAlchemy SQLite docs). The stdlib driver otherwise starts a
  transaction only at the first write, which breaks SAVEPOINTs, transactional DDL and read
  isolation; `IMMEDIATE` takes the write lock up front, so two transactions never deadlock on a
  lock upgrade — SQLite is a single writer anyway, and the busy timeout makes the second wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"

_SQLITE_NAMES = {"sqlite", SQLITE_DRIVER}
_POSTGRES_NAMES = {"postgres", "postgresql", POSTGRES_DRIVER}

# Seconds a SQLite connection waits for another writer before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT = 15.0


class UnsupportedDatabaseURL(ValueError):
    """A DATABASE_URL that names neither SQLite nor PostgreSQL."""


def normalize_url(url: str | URL) -> URL:
    """Give a SQLite or PostgreSQL URL its async driver; reject anything else clearly."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        raise UnsupportedDatabaseURL(
            f"{url!r} is not a database URL; use sqlite:///path/to/mentorbot.db or "
            "postgresql://user:password@host:5432/database"
        ) from None
    name = parsed.drivername
    if name in _SQLITE_NAMES:
        return parsed.set(drivername=SQLITE_DRIVER)
    if name in _POSTGRES_NAMES:
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
        # libpq spells it sslmode=…, asyncpg spells it ssl=…; accept what people copy from docs.
        if "sslmode" in parsed.query and "ssl" not in parsed.query:
            query = dict(parsed.query)
            query["ssl"] = query.pop("sslmode")
            parsed = parsed.set(query=query)
        return parsed
    shown = parsed.render_as_string(hide_password=True)
    raise UnsupportedDatabaseURL(
        f"unsupported database URL {shown!r} (driver {name!r}): mentorbot stores its data in "
        "SQLite (sqlite:///./mentorbot.db) or PostgreSQL (postgresql://user@host/database)"
    )


class DatabaseUnreachable(ConnectionError):
    """The database named by DATABASE_URL cannot be reached, opened or logged into."""


@asynccontextmanager
async def connect(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of `engine`; a failure to connect is a `DatabaseUnreachable`."""
    try:
        connection = await engine.connect().start()
    except (OSError, DBAPIError) as error:
        if engine.url.get_backend_name() == "sqlite":
            # aiosqlite stops its worker thread after a failed connect without waiting for it;
            # let that finish while the event loop still runs (else the thread prints a
            # traceback when `asyncio.run` has closed the loop)
            await asyncio.sleep(0.05)
        raise DatabaseUnreachable(_unreachable(engine.url, error)) from None
    try:
        yield connection
    finally:
        await connection.close()


def _unreachable(url: URL, error: BaseException) -> str:
    cause: BaseException = error.orig if isinstance(error, DBAPIError) and error.orig else error
    reason = (
        cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
    ).splitlines()
    backend = url.get_backend_name()
    shown = url.set(drivername=backend).render_as_string(hide_password=True)
    check = (
        "that its folder exists and is writable"
        if backend == "sqlite"
        else "that the database server is running and accepts this user"
    )
    return (
        f"cannot reach the database {shown} ({(reason or [type(cause).__name__])[0]}); "
        f"check DATABASE_URL and {check}"
    )


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_engine(url: str | URL, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url` (SQLite or PostgreSQL), configured for mentorbot."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    return create_async_engine(parsed, echo=echo, pool_pre_ping=True, hide_parameters=True)


def _sqlite_engine(url: URL, *, echo: bool) -> AsyncEngine:
    memory = is_memory_sqlite(url)
    kwargs: dict[str, Any] = {
        "echo": echo,
        "hide_parameters": True,
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False},
    }
    if memory:
        # One shared connection: every session sees the same in-memory database.
        kwargs["poolclass"] = StaticPool
    engine = create_async_engine(url, **kwargs)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver; `_on_begin` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


__all__ = [
    "POSTGRES_DRIVER",
    "SQLITE_DRIVER",
    "DatabaseUnreachable",
    "UnsupportedDatabaseURL",
    "connect",
    "create_engine",
    "is_memory_sqlite",
    "normalize_url",
]
