"""Migration 0008: every reminder gets the platform that delivers it, backfilled from its
program's workspace (both engines)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate

ROWS = """
INSERT INTO workspace (id, platform, external_id) VALUES (1, 'slack', 'T1'), (2, 'discord', 'G2');
INSERT INTO program_state (id, workspace_id, program_key, enrolment_open)
    VALUES (1, 1, 'mentoring', TRUE), (2, 2, 'mentoring', TRUE);
INSERT INTO reminder (kind, program_state_id, due_at, status, attempts, idempotency_key, payload,
                      recipient, attempt_at)
    VALUES ('checkin', 1, '2026-03-02 09:00:00+00', 'pending', 0, 'on-slack', '{}', 'match:1',
            '2026-03-02 09:00:00+00'),
           ('checkin', 2, '2026-03-02 09:00:00+00', 'pending', 2, 'on-discord', '{}', 'match:2',
            '2026-03-02 09:00:00+00');
"""


async def test_existing_reminders_are_backfilled_with_their_workspaces_platform(
    database_engine: AsyncEngine,
) -> None:
    await migrate.upgrade(database_engine, "0005")
    async with database_engine.begin() as connection:
        for statement in filter(str.strip, ROWS.split(";")):
            await connection.execute(text(statement))
    await migrate.upgrade(database_engine, "0008")
    async with database_engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT idempotency_key, platform, attempts FROM reminder ORDER BY id")
        )
        assert [tuple(row) for row in rows] == [
            ("on-slack", "slack", 0),
            ("on-discord", "discord", 2),
        ]
    await migrate.downgrade(database_engine, "0005")
    await migrate.upgrade(database_engine)
