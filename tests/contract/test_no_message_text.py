"""The bot keeps no message text: members write in their match's space and to the bot in
DMs, on every adapter and both engines, and no table of the database holds a word of it.

Only counts are kept (the `activity` table), so the test also checks the messages were seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select, text

from core.clock import ManualClock
from core.programs.program import Program
from storage.engine import create_engine
from tests.kit.drivers import Driver, driver_for, platforms
from tests.kit.harness import START
from tests.kit.scenario import CHECKIN_EVERY, MENTEE, MENTOR

MARK = "QUOKKA"  # in every line people type below, and in no answer


@asynccontextmanager
async def running(
    platform: str, request: pytest.FixtureRequest, database_url: str, program: Program
) -> AsyncIterator[Driver]:
    make = driver_for(platform, request)
    driver: Driver = await make(database_url, program, ManualClock(START)).start()
    try:
        yield driver
    finally:
        await driver.close()


async def every_row(database_url: str) -> list[str]:
    """Every row of every table the database has (reflected, not the models), as text."""
    engine = create_engine(database_url)
    rows: list[str] = []
    try:
        async with engine.connect() as connection:
            tables = MetaData()
            await connection.run_sync(tables.reflect)
            for table in tables.sorted_tables:
                rows.extend(
                    f"{table.name}: {tuple(row)!r}"
                    for row in await connection.execute(select(table))
                )
    finally:
        await engine.dispose()
    return rows


async def messages_counted(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(text("SELECT COALESCE(SUM(messages), 0) FROM activity"))
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("platform", platforms())
async def test_nothing_people_write_is_stored(
    platform: str, request: pytest.FixtureRequest, database_url: str, program: Program
) -> None:
    async with running(platform, request, database_url, program) as d:
        await d.join("ana", "mentee", MENTEE)
        await d.join("ben", "mentor", MENTOR)
        await d.say("cora", "/mentor admin match commit")
        space = d.space_of("ana", "ben")
        assert space is not None
        await d.say("ana", f"Hi Ben! {MARK} one: shall we meet on Tuesday?", in_space=space.id)
        await d.say("ben", f"Sure, {MARK} two — my number is 555-0101", in_space=space.id)
        await d.say("ana", f"{MARK} three: a note to the bot, in my DM")
        await d.say("ana", f"/mentor frobnicate {MARK} four")
        await d.say("ana", f"/mentor goals {MARK} five")
        await d.advance(CHECKIN_EVERY + timedelta(hours=1))
        await d.say("ben", f"2 {MARK} six, while a check-in waits", in_space=space.id)
        await d.click("ana", "Yes", in_space=space.id)
        await d.say("ana", f"{MARK} seven, after answering", in_space=space.id)
    assert await messages_counted(database_url) >= 4, "the messages never reached the bot"
    rows = await every_row(database_url)
    assert len(rows) > 20, rows  # the flow wrote what it should
    assert [r for r in rows if MARK in r] == []
    assert not [r for r in rows if "555-0101" in r]
