"""The coordinator repository (migration 0006) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from core.identity import PlatformUser
from storage.store import SqlStore
from storage.tables import ProgramStateRow

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ADMIN = PlatformUser("slack", "T0AAA", "U0ADMIN")
MOD = PlatformUser("discord", "111", "42")


async def test_record_refresh_list_and_find_where_last_seen(store: SqlStore) -> None:
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("slack", "T0AAA")
        first = await uow.programs.ensure(workspace, "mentoring")
        second = await uow.programs.ensure(workspace, "pilot")
        await uow.coordinators.record(first.id, ADMIN, T0)
        await uow.coordinators.record(first.id, MOD, T0 + timedelta(hours=1))
        await uow.coordinators.record(first.id, ADMIN, T0)  # again: one row
        assert await uow.coordinators.of(first.id) == [MOD, ADMIN]
    async with store.transaction() as uow:
        await uow.coordinators.record(first.id, ADMIN, T0 + timedelta(hours=2))  # moves forward
        await uow.coordinators.record(first.id, MOD, T0)  # an older sighting changes nothing
        assert await uow.coordinators.of(first.id) == [ADMIN, MOD]
        assert await uow.coordinators.of(second.id) == []
        elsewhere = PlatformUser("slack", "T0BBB", "U0ADMIN")
        await uow.coordinators.record(second.id, elsewhere, T0 + timedelta(hours=3))
        assert await uow.coordinators.last_seen_as("slack", "U0ADMIN") == elsewhere
        assert await uow.coordinators.last_seen_as("discord", "42") == MOD
        assert await uow.coordinators.last_seen_as("shell", "42") is None


async def test_rows_go_with_their_program_state(store: SqlStore) -> None:
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("slack", "T0AAA")
        state = await uow.programs.ensure(workspace, "mentoring")
        await uow.coordinators.record(state.id, ADMIN, T0)
    async with store.transaction() as uow:
        await uow.session.execute(delete(ProgramStateRow).where(ProgramStateRow.id == state.id))
    async with store.transaction() as uow:
        assert await uow.coordinators.last_seen_as("slack", "U0ADMIN") is None
