"""Running the Alembic migrations on an async engine, without an alembic.ini.

Alembic is synchronous; each function opens one connection of the async engine and runs Alembic
inside `connection.run_sync(...)`, handing the connection over in `config.attributes` (see
`migrations/env.py`). That works for in-memory SQLite (a single shared connection) as well as for
files and PostgreSQL, and runs the whole migration in one transaction on both engines.

On SQLite, foreign keys are switched off while migrating: batch mode rebuilds a table by copying
it and dropping the old one, and with foreign keys on, that drop would fire ON DELETE CASCADE on
the rows pointing at it. The migration then checks the foreign keys before it commits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.event_log  # registers the event log table on `metadata`
import storage.prompt_registry  # registers the prompt registry table on `metadata`
import storage.slack_installations  # noqa: F401 - registers the Slack tables on `metadata`
from storage.engine import connect
from storage.tables import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"


class MigrationError(RuntimeError):
    """A migration left the database inconsistent and was rolled back."""


class UnknownRevision(MigrationError):
    """A target revision that is not among the migration scripts (nothing was changed)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code; `connection` is what env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the migration scripts (no database needed)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - there is always an initial revision
        raise MigrationError(f"no migration scripts in {MIGRATIONS_DIR}")
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database up to `revision` (default: the newest)."""
    await _run(engine, lambda config: command.upgrade(config, revision), revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Migrate the database down to `revision`.

    Down to `base` (the default) drops every table, Alembic's own version table included, so the
    database is as empty as before the first upgrade.
    """

    def action(config: Config) -> None:
        command.downgrade(config, revision)
        if revision == "base":
            connection: Connection = config.attributes["connection"]
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {VERSION_TABLE}")

    await _run(engine, action, revision)


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    async with connect(engine) as connection:
        return await connection.run_sync(_current_revision)


async def differences(engine: AsyncEngine) -> list[Any]:
    """What Alembic's autogenerate finds between the tables and the database (empty: in sync)."""
    async with connect(engine) as connection:
        return await connection.run_sync(_compare)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _compare(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _run(engine: AsyncEngine, action: Callable[[Config], None], revision: str) -> None:
    async with connect(engine) as connection:
        try:
            await connection.run_sync(_migrate, action)
        except CommandError as error:
            raise UnknownRevision(
                f"cannot migrate to revision {revision!r} ({error}); use head, base, a step "
                "such as -1 or +1, or a revision id (`mentorbot db current` shows where it is)"
            ) from None


def _migrate(connection: Connection, action: Callable[[Config], None]) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Must happen outside a transaction, where SQLite would ignore it.
        _sqlite_pragma(connection, "foreign_keys=OFF")
    try:
        with connection.begin():
            action(alembic_config(connection))
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise MigrationError(
                        f"the migration left rows with broken foreign keys: {broken[:5]!r}"
                    )
    finally:
        if sqlite:
            _sqlite_pragma(connection, "foreign_keys=ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """Run a PRAGMA on the driver connection directly, bypassing SQLAlchemy's autobegin."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "MigrationError",
    "UnknownRevision",
    "alembic_config",
    "current",
    "differences",
    "downgrade",
    "head_revision",
    "upgrade",
]
