"""Slack adapter fixtures: the fake Web API, the real bot, requests signed as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from fake_slack import TEAM, FakeSlack

from adapters.slack.app import SlackAdapter, SlackConfig
from core.clock import ManualClock
from core.engagement.flow import Engagement
from core.ports import ChatPort
from core.programs.program import Program, load_programs
from core.reminders.dispatcher import Dispatcher
from core.service import MentorBot
from storage.store import SqlStore

ROOT = Path(__file__).resolve().parents[3]
SECRET = "test-signing-secret-not-real"
BOT_TOKEN = "xoxb-test-not-a-token"
USERS = {
    "U0ANA": {"name": "ana", "real_name": "Ana Lima", "profile": {"display_name": "Ana"}},
    "U0BEN": {"name": "ben", "real_name": "Ben Okafor", "profile": {"display_name": "Ben"}},
    "U0CORA": {"name": "cora", "profile": {"display_name": "Cora"}, "is_admin": True},
}


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    """Slack's request signature: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Sent:
    status: int
    text: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackClient:
    """Sends requests to the adapter exactly as Slack does (signed, form-encoded or JSON)."""

    def __init__(self, url: str, fake: FakeSlack, session: aiohttp.ClientSession) -> None:
        self.url, self.fake, self.session = url, fake, session

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(body, stamp, secret),
            **(headers or {}),
        }
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=sent_headers) as resp:
            text = await resp.text()
        return Sent(resp.status, text, time.perf_counter() - started)

    def command_body(self, user: str, text: str, channel: str = "C0GENERAL") -> str:
        return urlencode(
            {
                "token": "legacy-verification-not-used",
                "team_id": TEAM,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": USERS.get(user, {}).get("name", user.lower()),
                "command": "/mentor",
                "text": text,
                "api_app_id": "A0TEST",
                "response_url": self.fake.response_url(),
                "trigger_id": self.fake.trigger(),
            }
        )

    async def command(self, user: str, text: str, **kwargs: Any) -> Sent:
        return await self.post(
            self.command_body(user, text), "application/x-www-form-urlencoded", **kwargs
        )

    async def interaction(self, payload: dict[str, Any]) -> Sent:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], event_id: str, retry: int | None = None) -> Sent:
        body = json.dumps(
            {
                "token": "legacy-verification-not-used",
                "team_id": TEAM,
                "api_app_id": "A0TEST",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}],
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, "application/json", headers=headers if retry else None)


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
    """The bot with its outbox delivered right after each event, as `bot.app.build` wires it."""
    clock = ManualClock()
    bot = MentorBot(programs, store, ports, clock, command="/mentor")
    engagement = Engagement(store, ports, bot.programs, clock, bot.rounds)
    # one delivery at a time: the in-memory SQLite store has a single connection
    bot.outbox.attach(
        Dispatcher(
            store, engagement.deliver, clock, give_up=engagement.give_up, concurrency=1
        ).deliver_now
    )
    return bot


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
