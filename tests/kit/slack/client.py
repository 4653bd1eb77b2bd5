"""Requests to a Slack adapter exactly as Slack sends them: signed, form-encoded or JSON."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.kit.slack.fake_slack import TEAM, FakeSlack

SECRET = "test-signing-secret-not-real"
BOT_TOKEN = "xoxb-test-not-a-token"
USERS = {
    "U0ANA": {"name": "ana", "real_name": "Ana Lima", "profile": {"display_name": "Ana"}},
    "U0BEN": {"name": "ben", "real_name": "Ben Okafor", "profile": {"display_name": "Ben"}},
    "U0CORA": {"name": "cora", "profile": {"display_name": "Cora"}, "is_admin": True},
    "U0CY": {"name": "cy", "real_name": "Cy Berg", "profile": {"display_name": "Cy"}},
    "U0DEE": {"name": "dee", "real_name": "Dee Ahn", "profile": {"display_name": "Dee"}},
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
        """A slash command typed in `channel` (its response_url answers into that channel)."""
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
                "response_url": self.fake.response_url(channel),
                "trigger_id": self.fake.trigger(),
            }
        )

    async def command(
        self, user: str, text: str, channel: str = "C0GENERAL", **kwargs: Any
    ) -> Sent:
        return await self.post(
            self.command_body(user, text, channel), "application/x-www-form-urlencoded", **kwargs
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
