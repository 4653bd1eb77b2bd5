"""The conformance scenario (`tests/kit/scenario.py`) on every adapter, through its real
parsing and rendering and, for Slack, its HTTP server and the loopback fake Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from core.clock import ManualClock
from core.programs.program import Program
from tests.kit.drivers import Driver, driver_for, platforms
from tests.kit.harness import START
from tests.kit.scenario import play


@pytest_asyncio.fixture(params=platforms())
async def driver(
    request: pytest.FixtureRequest, tmp_path: Path, program: Program
) -> AsyncIterator[Driver]:
    make = driver_for(request.param, request)
    running = make(f"sqlite:///{tmp_path / 'bot.db'}", program, ManualClock(START))
    try:
        yield await running.start()
    finally:
        await running.close()


async def test_the_conformance_scenario(driver: Driver) -> None:
    story = await play(driver)
    print("passed:", *story.passed, sep="\n  ")
    if story.missing:
        pytest.xfail("; ".join(story.missing))
