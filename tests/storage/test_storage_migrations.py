"""Alembic migrations on SQLite and PostgreSQL: up from empty, down to base, models in sync."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.engine import create_engine
from storage.tables import metadata

APP_TABLES = {
    "workspace",
    "program_state",
    "participant",
    "answer",
    "onboarding_session",
    "cycle",
    "match",
    "match_member",
    "space",
    "reminder",
    "mentor_request",
    "activity",
    "checkin",
    "goal",
    "feedback",
    "end_vote",
    "slack_installation",
    "slack_oauth_state",
    "processed_event",
    "program_coordinator",
    "prompt",
    "audit_entry",
}


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_from_empty_then_downgrade_to_base(database_engine: AsyncEngine) -> None:
    assert await _tables(database_engine) == set()
    assert await migrate.current(database_engine) is None

    await migrate.upgrade(database_engine)
    assert await _tables(database_engine) == APP_TABLES | {"alembic_version"}
    assert await migrate.current(database_engine) == migrate.head_revision()

    await migrate.downgrade(database_engine)
    assert await _tables(database_engine) == set()
    assert await migrate.current(database_engine) is None


async def test_upgrade_twice_is_harmless(database_engine: AsyncEngine) -> None:
    await migrate.upgrade(database_engine)
    await migrate.upgrade(database_engine)
    assert await migrate.current(database_engine) == migrate.head_revision()


async def test_upgrade_again_after_downgrade(database_engine: AsyncEngine) -> None:
    await migrate.upgrade(database_engine)
    await migrate.downgrade(database_engine)
    await migrate.upgrade(database_engine, "head")
    assert await _tables(database_engine) == APP_TABLES | {"alembic_version"}


async def test_models_match_the_migrations(database_engine: AsyncEngine) -> None:
    await migrate.upgrade(database_engine)
    assert await migrate.differences(database_engine) == []


async def test_the_comparison_notices_a_difference(database_engine: AsyncEngine) -> None:
    """Guards the test above against comparing nothing."""
    await migrate.upgrade(database_engine)
    async with database_engine.begin() as connection:
        await connection.execute(text("DROP INDEX ix_reminder_status_due_at"))
        await connection.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    found = {diff[0] for diff in await migrate.differences(database_engine)}
    assert {"add_index", "remove_table"} <= found


def test_models_describe_every_migrated_table() -> None:
    assert set(metadata.tables) == APP_TABLES


async def test_in_memory_sqlite_can_be_migrated_both_ways() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        await migrate.upgrade(engine)
        assert await migrate.current(engine) == migrate.head_revision()
        assert await migrate.differences(engine) == []
        await migrate.downgrade(engine)
        assert await _tables(engine) == set()
        # Foreign keys are back on after migrating (they are off during it on SQLite).
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql("PRAGMA foreign_keys")
            assert result.scalar_one() == 1
    finally:
        await engine.dispose()


def test_migration_scripts_ship_inside_the_package() -> None:
    assert migrate.MIGRATIONS_DIR.parent == Path(migrate.__file__).resolve().parent
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert (migrate.MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    newest = sorted((migrate.MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))[-1]
    assert migrate.head_revision() == newest.name.split("_", 1)[0]


def test_status_constraints_follow_core_enums() -> None:
    from core.domain import ParticipantStatus
    from core.programs.program import Role
    from storage.tables import MEMBER_ROLES, PARTICIPANT_STATUSES

    assert set(PARTICIPANT_STATUSES) == {status.value for status in ParticipantStatus}
    assert set(MEMBER_ROLES) == {role.value for role in Role}
