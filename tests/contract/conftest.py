"""One fixture per `ChatPort`; `chat` runs every contract test once per port.

To add a platform (Discord, Matrix, …): write an async context manager yielding a
`PortUnderTest` in `tests/kit/ports.py` (its remote server faked on loopback, as Slack's is),
add a fixture here and its name to `PORTS`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.kit.matrix.fixtures import (
    pytest_collection_finish,
    pytest_collection_modifyitems,
    synapse,
)
from tests.kit.matrix.synapse import Synapse
from tests.kit.ports import (
    PortUnderTest,
    discord_port,
    fake_chat_port,
    matrix_port,
    shell_port,
    slack_port,
)

PORTS = ["fake_chat", "shell", "slack", "discord", "matrix"]
__all__ = ["pytest_collection_finish", "pytest_collection_modifyitems", "synapse"]


@pytest_asyncio.fixture
async def fake_chat() -> AsyncIterator[PortUnderTest]:
    async with fake_chat_port() as case:
        yield case


@pytest_asyncio.fixture
async def shell() -> AsyncIterator[PortUnderTest]:
    async with shell_port() as case:
        yield case


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[PortUnderTest]:
    async with slack_port() as case:
        yield case


@pytest_asyncio.fixture
async def matrix(synapse: Synapse, tmp_path: Path) -> AsyncIterator[PortUnderTest]:
    async with matrix_port(synapse, tmp_path) as case:
        yield case


@pytest.fixture(params=PORTS)
def chat(request: pytest.FixtureRequest) -> PortUnderTest:
    """The port under test, once per entry of `PORTS`."""
    case: PortUnderTest = request.getfixturevalue(request.param)
    return case


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[PortUnderTest]:
    async with discord_port() as case:
        yield case
