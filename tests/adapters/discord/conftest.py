"""Fixtures for the Discord adapter's tests: the conformance driver on the loopback fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from core.clock import ManualClock
from core.programs.program import Program
from tests.kit.discord import GUILD, SPACE_CHANNEL
from tests.kit.drivers.discord import DiscordDriver
from tests.kit.drivers.wiring import ROOT
from tests.kit.harness import START


def bound_program(folder: Path) -> Path:
    """The bundled program, bound to the fake's guild with match threads in `#mentoring`."""
    text = (ROOT / "programs" / "default.yaml").read_text(encoding="utf-8")
    text += (
        f'\nplatforms:\n  discord:\n    guild: "{GUILD}"\n    space_channel: "{SPACE_CHANNEL}"\n'
    )
    path = folder / "bound.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest_asyncio.fixture
async def driver(tmp_path: Path, program: Program) -> AsyncIterator[DiscordDriver]:
    """The bot on Discord, its program bound to the guild (matches get private threads)."""
    found = await DiscordDriver(
        f"sqlite:///{tmp_path / 'bot.db'}",
        program,
        ManualClock(START),
        [bound_program(tmp_path)],
    ).start()
    try:
        yield found
    finally:
        await found.close()
