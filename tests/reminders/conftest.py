"""Fixtures of the reminder tests: the loopback fake platform (see reminders_platform)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from reminders_platform import FakePlatform


@pytest_asyncio.fixture
async def platform() -> AsyncIterator[FakePlatform]:
    fake = FakePlatform()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
