"""Slack adapter fixtures: the fake Web API, the real bot, requests signed as Slack signs them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.slack.app import SlackAdapter, SlackConfig
from core.clock import ManualClock
from core.ports import ChatPort
from core.programs.program import Program, load_programs
from core.service import MentorBot
from storage.store import SqlStore
from tests.kit.slack import BOT_TOKEN, SECRET, USERS, FakeSlack, SlackClient

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Stack:
    fake: FakeSlack
    adapter: SlackAdapter
    bot: MentorBot
    client: SlackClient
    programs: list[Program]


@pytest.fixture
def programs() -> list[Program]:
    return load_programs([ROOT / "programs" / "default.yaml"])


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt reads these as defaults; the tests pass everything explicitly."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack(dict(USERS)).start()
    try:
        yield server
    finally:
        await server.close()


def make_bot(programs: list[Program], store: SqlStore, ports: dict[str, ChatPort]) -> MentorBot:
    return MentorBot(programs, store, ports, ManualClock(), command="/mentor")


@pytest_asyncio.fixture
async def stack(
    fake: FakeSlack, memory_store: SqlStore, programs: list[Program]
) -> AsyncIterator[Stack]:
    ports: dict[str, ChatPort] = {}
    bot = make_bot(programs, memory_store, ports)
    adapter = SlackAdapter(
        SlackConfig(bot_token=BOT_TOKEN, signing_secret=SECRET, api_base_url=fake.base_url, port=0)
    )
    ports[adapter.platform] = adapter.port
    adapter.handler, adapter.standing = bot.handle, bot.standing
    await adapter.start()
    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
        try:
            yield Stack(fake, adapter, bot, SlackClient(url, fake, session), programs)
        finally:
            await adapter.close()
