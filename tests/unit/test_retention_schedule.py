"""`MENTORBOT_RETENTION_DAYS`: read from the settings, run by the scheduler at start."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.scheduler import HOUSEKEEPING_ID, build_scheduler
from core.participants.retention import expire_answers
from tests.kit import Harness, enrol
from tests.kit.drivers.wiring import settings_for


def test_retention_is_off_unless_set() -> None:
    assert settings_for("sqlite:///x.db").retention_days is None
    assert settings_for("sqlite:///x.db", MENTORBOT_RETENTION_DAYS="").retention_days is None
    assert settings_for("sqlite:///x.db", MENTORBOT_RETENTION_DAYS="30").retention_days == 30
    with pytest.raises(ValidationError, match="MENTORBOT_RETENTION_DAYS"):
        settings_for("sqlite:///x.db", MENTORBOT_RETENTION_DAYS="0")


async def test_the_scheduler_runs_retention_at_start_and_survives_a_failure(
    harness: Harness,
) -> None:
    await enrol(harness, "ana")
    await harness.say("ana", "/mentor leave")
    await harness.say("ana", "1")
    runs: list[int] = []
    twice = asyncio.Event()

    async def housekeeping() -> int:
        if not runs:
            runs.append(-1)
            raise RuntimeError("the database is away")  # logged; the next run tries again
        later = harness.clock.now() + timedelta(days=31)
        runs.append(await expire_answers(harness.bot.store, later, 30))
        twice.set()
        return runs[-1]

    scheduler = build_scheduler(
        harness.dispatcher,
        interval_seconds=60,
        housekeeping=housekeeping,
        housekeeping_seconds=0.2,
    )
    assert scheduler.get_job(HOUSEKEEPING_ID) is not None
    scheduler.start()
    try:
        async with asyncio.timeout(10):
            await twice.wait()
    finally:
        await scheduler.stop()
    assert runs[:2] == [-1, 1]
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        ana = await uow.participants.find(state.id, harness.user("ana"))
    assert ana is not None
    assert ana.answers == {}
