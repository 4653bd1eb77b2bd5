"""The Matrix tests run against a real Synapse (see `tests/kit/matrix/fixtures.py`)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from core.clock import ManualClock
from core.programs.program import Program
from tests.kit.drivers.matrix import MatrixDriver
from tests.kit.harness import START
from tests.kit.matrix.fixtures import (
    pytest_collection_finish,
    pytest_collection_modifyitems,
    synapse,
)
from tests.kit.matrix.synapse import Synapse

__all__ = ["driver", "pytest_collection_finish", "pytest_collection_modifyitems", "synapse"]


@pytest_asyncio.fixture
async def driver(synapse: Synapse, tmp_path: Path, program: Program) -> AsyncIterator[MatrixDriver]:
    """The bot on Matrix with its people, against the session's Synapse."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    matrix = MatrixDriver(url, program, ManualClock(START), synapse=synapse, directory=tmp_path)
    try:
        yield await matrix.start()
    finally:
        await matrix.close()
