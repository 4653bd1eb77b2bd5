"""Slack adapter fixtures: the fake Web API, the real bot, requests signed as Slack signs them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
import yaml

from adapters.slack.app import SlackAdapter
from bot.app import App, build
from bot.settings import Settings
from core.clock import ManualClock
from core.programs.program import Program, load_programs
from core.service import MentorBot
from tests.kit.drivers.wiring import settings_for
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


def slack_settings(
    fake: FakeSlack, database_url: str = "sqlite+aiosqlite:///:memory:", **more: str
) -> Settings:
    """The bot's settings for Slack against the fake Web API, in HTTP mode on a free port."""
    slack = {
        "MENTORBOT_ADAPTERS": "slack",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE_URL": fake.base_url,
        "MENTORBOT_HTTP_PORT": "0",
    }
    return settings_for(database_url, **{**slack, **more})


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[App]:
    """The bot as the composition root builds it, with its Slack adapter serving."""
    app = await build(settings, clock=ManualClock())
    adapter = app.adapters["slack"]
    try:
        await adapter.start(app.services(adapter))
        yield app
    finally:
        await adapter.close()
        await app.close()


def slack_of(app: App) -> SlackAdapter:
    adapter = app.adapters["slack"]
    assert isinstance(adapter, SlackAdapter)
    return adapter


def program_files(programs: list[Program], folder: Path) -> str:
    """Write `programs` as program files, in order; MENTORBOT_PROGRAMS for them."""
    paths = []
    for number, program in enumerate(programs):
        raw = program.model_dump(mode="json", by_alias=True, exclude_none=True)
        raw["coordinators"] = [str(c) for c in program.coordinators]
        path = folder / f"{number:02d}-{program.id}.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        paths.append(str(path))
    return ",".join(paths)


@pytest_asyncio.fixture
async def stack(fake: FakeSlack, programs: list[Program], tmp_path: Path) -> AsyncIterator[Stack]:
    settings = slack_settings(fake, MENTORBOT_PROGRAMS=program_files(programs, tmp_path))
    async with running(settings) as app, aiohttp.ClientSession() as session:
        adapter = slack_of(app)
        url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
        yield Stack(fake, adapter, app.bot, SlackClient(url, fake, session), app.programs)
