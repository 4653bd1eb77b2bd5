"""The conformance scenario (`tests/kit/scenario.py`) on every adapter, through its real
parsing and rendering and, for Slack, its HTTP server and the loopback fake Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from core.clock import ManualClock
from core.programs.program import Program
from tests.kit.drivers.base import Driver
from tests.kit.drivers.discord import DiscordDriver
from tests.kit.drivers.matrix import MatrixDriver
from tests.kit.drivers.shell import ShellDriver
from tests.kit.drivers.slack import SlackDriver
from tests.kit.harness import START
from tests.kit.matrix.synapse import Synapse
from tests.kit.scenario import play

DRIVERS = ["shell", "slack", "discord", "matrix"]


@pytest_asyncio.fixture
async def shell_driver(tmp_path: Path, program: Program) -> AsyncIterator[Driver]:
    driver = await ShellDriver(
        f"sqlite:///{tmp_path / 'bot.db'}", program, ManualClock(START)
    ).start()
    try:
        yield driver
    finally:
        await driver.close()


@pytest_asyncio.fixture
async def slack_driver(tmp_path: Path, program: Program) -> AsyncIterator[Driver]:
    driver = await SlackDriver(
        f"sqlite:///{tmp_path / 'bot.db'}", program, ManualClock(START)
    ).start()
    try:
        yield driver
    finally:
        await driver.close()


@pytest_asyncio.fixture
async def discord_driver(tmp_path: Path, program: Program) -> AsyncIterator[Driver]:
    driver = await DiscordDriver(
        f"sqlite:///{tmp_path / 'bot.db'}", program, ManualClock(START)
    ).start()
    try:
        yield driver
    finally:
        await driver.close()


@pytest_asyncio.fixture
async def matrix_driver(
    synapse: Synapse, tmp_path: Path, program: Program
) -> AsyncIterator[Driver]:
    driver = MatrixDriver(
        f"sqlite:///{tmp_path / 'bot.db'}",
        program,
        ManualClock(START),
        synapse=synapse,
        directory=tmp_path,
    )
    try:
        yield await driver.start()
    finally:
        await driver.close()


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> Driver:
    found: Driver = request.getfixturevalue(f"{request.param}_driver")
    return found


async def test_the_conformance_scenario(driver: Driver) -> None:
    story = await play(driver)
    print("passed:", *story.passed, sep="\n  ")
    if story.missing:
        pytest.xfail("; ".join(story.missing))
