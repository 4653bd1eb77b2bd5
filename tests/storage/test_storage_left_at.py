"""Migration 0010: `participant.left_at`; people who had left already count from the upgrade
(both engines), and the downgrade drops the column again."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate

ROWS = """
INSERT INTO workspace (id, platform, external_id) VALUES (1, 'slack', 'T1');
INSERT INTO program_state (id, workspace_id, program_key, enrolment_open)
    VALUES (1, 1, 'mentoring', TRUE);
INSERT INTO participant (program_state_id, platform, workspace_id, user_id, display_name, roles,
                         status, capacity, joined_at)
    VALUES (1, 'slack', 'T1', 'U1', 'Ana', 'mentee', 'left', 0, '2026-03-02 09:00:00+00'),
           (1, 'slack', 'T1', 'U2', 'Ben', 'mentor', 'active', 2, '2026-03-02 09:00:00+00');
"""


async def test_people_who_had_left_get_a_left_at_and_the_others_none(
    database_engine: AsyncEngine,
) -> None:
    await migrate.upgrade(database_engine, "0009")
    async with database_engine.begin() as connection:
        for statement in filter(str.strip, ROWS.split(";")):
            await connection.execute(text(statement))
    await migrate.upgrade(database_engine, "0010")
    async with database_engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT user_id, left_at IS NOT NULL FROM participant ORDER BY id")
        )
        assert [tuple(row) for row in rows] == [("U1", True), ("U2", False)]
    await migrate.downgrade(database_engine, "0009")
    async with database_engine.connect() as connection:
        names = await connection.run_sync(
            lambda sync: [c["name"] for c in inspect(sync).get_columns("participant")]
        )
    assert "left_at" not in names
    await migrate.upgrade(database_engine)
