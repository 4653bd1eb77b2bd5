"""The Slack adapter driven as Slack drives it: signed HTTP requests to the real Bolt app, with
the loopback fake Web API (`tests/kit/slack`) standing in for Slack on the other side.

The driver keeps a list of *surfaces* — messages, ephemeral replies (`response_url` posts) and
modals — in the order they appeared, each owned by a person (private) or by a channel (shared),
so `click` finds the newest button a person can see, and `messages_to` / `messages_in` tell
private from shared exactly as Slack would show them.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import aiohttp

from adapters.slack.app import SlackAdapter, SlackConfig
from bot.app import App
from core.clock import ManualClock
from core.programs.program import Program
from tests.kit.drivers.base import Answers, Joined, Space
from tests.kit.drivers.wiring import COMMAND, wire
from tests.kit.slack import BOT_TOKEN, BOT_USER, SECRET, USERS, FakeSlack, SlackClient
from tests.kit.slack.payloads import click, find_button, submission

IDS = {"ana": "U0ANA", "ben": "U0BEN", "cora": "U0CORA", "cy": "U0CY", "dee": "U0DEE"}
NAMES = {v: k for k, v in IDS.items()}


def dm_channel(who: str) -> str:
    return "D" + IDS[who][1:]


def texts(node: Any) -> list[str]:
    """Every `text` string in a message, its blocks or a view, as Slack would show them."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(texts(item))
    return found


def shown(node: Any) -> str:
    raw = "\n".join(texts(node))
    return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass
class Surface:
    kind: str  # "message", "response" or "view"
    key: str  # "channel/ts", the response key, or the view id
    content: dict[str, Any]
    owner: str | None = None  # the person it is shown to alone
    space: str | None = None  # the channel it is shown in to everyone

    @property
    def text(self) -> str:
        return shown(self.content)


class SlackDriver:
    platform = "slack"
    lacks: frozenset[str] = frozenset()

    def __init__(
        self,
        database_url: str,
        program: Program,
        clock: ManualClock,
        programs: Sequence[Path] = (),
    ) -> None:
        self.database_url, self.program, self.clock = database_url, program, clock
        self.programs = programs
        self.fake = FakeSlack(dict(USERS))
        self.surfaces: list[Surface] = []
        self._snapshots: dict[str, str] = {}
        self._responses_seen = 0
        self._urls: dict[str, tuple[str, str | None]] = {}  # response key → (who, channel)
        self._events = itertools.count(1)
        self.adapter: SlackAdapter | None = None
        self.wired: App | None = None
        self.session: aiohttp.ClientSession | None = None
        self.client: SlackClient | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> SlackDriver:
        if not self.fake.root:
            await self.fake.start()
        config = SlackConfig(
            command=COMMAND,
            bot_token=BOT_TOKEN,
            signing_secret=SECRET,
            api_base_url=self.fake.base_url,
            port=0,
        )
        adapter = SlackAdapter(config)
        self.wired = await wire(self.database_url, adapter, self.clock, self.programs)
        self.adapter = adapter
        self.session = aiohttp.ClientSession()
        url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
        self.client = SlackClient(url, self.fake, self.session)
        return self

    async def _stop(self) -> None:
        if self.adapter is not None:
            await self.adapter.close()
            self.adapter = None
        if self.session is not None:
            await self.session.close()
            self.session = None
        if self.wired is not None:
            await self.wired.close()
            self.wired = None

    async def restart(self) -> None:
        await self._stop()
        await self.start()

    async def close(self) -> None:
        await self._stop()
        await self.fake.close()

    # --- acting ---------------------------------------------------------------------------

    def _url(self, who: str, channel: str | None) -> str:
        url = self.fake.response_url()
        self._urls[url.rsplit("/", 1)[1]] = (who, channel)
        return url

    async def _settle(self, who: str, in_space: str | None) -> str:
        assert self.adapter is not None
        await self.adapter.idle()
        changed = self._sync(who)
        return "\n".join(
            s.text for s in changed if s.owner == who or (in_space and s.space == in_space)
        )

    async def say(self, who: str, line: str, *, in_space: str | None = None) -> str:
        assert self.client is not None
        channel = in_space or dm_channel(who)
        if line.startswith(COMMAND + " ") or line == COMMAND:
            body = self.client.command_body(IDS[who], line[len(COMMAND) :].strip(), channel)
            fields = parse_qs(body)
            self._urls[fields["response_url"][0].rsplit("/", 1)[1]] = (who, in_space)
            sent = await self.client.post(body, "application/x-www-form-urlencoded")
        else:
            event = {
                "type": "message",
                "channel": channel,
                "channel_type": "group" if in_space else "im",
                "user": IDS[who],
                "text": line,
                "ts": f"{time.time():.6f}",
            }
            sent = await self.client.event(event, f"Ev{next(self._events):06d}")
        assert sent.status == 200, sent.text
        return await self._settle(who, in_space)

    def _button(self, who: str, label: str, in_space: str | None) -> tuple[Surface, Any]:
        for surface in reversed(self.surfaces):
            visible = surface.space == in_space if in_space else surface.owner == who
            if not visible:
                continue
            try:
                return surface, find_button(surface.content.get("blocks") or [], label)
            except AssertionError:
                continue
        raise AssertionError(f"no button {label!r} shown to {who}")

    async def click(self, who: str, label: str, *, in_space: str | None = None) -> str:
        assert self.client is not None
        surface, button = self._button(who, label, in_space)
        trigger = self.fake.trigger()
        if surface.kind == "view":
            view = self.fake.views[surface.key]
            container: dict[str, Any] = {"type": "view", "view_id": surface.key}
            payload = click(IDS[who], button, container=container, trigger=trigger, view=view)
        elif surface.kind == "message":
            channel, _, ts = surface.key.partition("/")
            container = {"type": "message", "channel_id": channel, "message_ts": ts}
            payload = click(
                IDS[who],
                button,
                container=container,
                trigger=trigger,
                response_url=self._url(who, surface.space),
                message=self.fake.messages[(channel, ts)],
            )
        else:  # an ephemeral reply: Slack sends no message, and a fresh response_url
            _, channel = self._urls[surface.key]
            container = {
                "type": "message",
                "is_ephemeral": True,
                "channel_id": channel or dm_channel(who),
                "message_ts": f"{time.time():.6f}",
            }
            payload = click(
                IDS[who],
                button,
                container=container,
                trigger=trigger,
                response_url=self._url(who, channel),
            )
        sent = await self.client.interaction(payload)
        assert sent.status == 200, sent.text
        return await self._settle(who, in_space)

    async def join(
        self, who: str, role: str, answers: Answers, *, first_try: Answers | None = None
    ) -> Joined:
        assert self.client is not None
        await self.say(who, f"{COMMAND} join {role}")
        view_id = next(reversed(self.fake.views))
        view = self.fake.views[view_id]
        reason, again = "", False
        if first_try:
            sent = await self.client.interaction(
                submission(IDS[who], view, {**answers, **first_try})
            )
            result = sent.json()
            errors: dict[str, str] = result.get("errors") or {}
            reason = "\n".join(errors.values())
            again = result.get("response_action") == "errors" and set(first_try) <= set(errors)
        sent = await self.client.interaction(submission(IDS[who], view, dict(answers)))
        result = sent.json()
        assert result.get("response_action") == "update", result
        self.fake.views[view_id] = {**result["view"], "id": view_id}  # Slack shows the ack's view
        self._sync(who)
        return Joined(reason, again, await self.click(who, "I accept"))

    async def advance(self, delta: timedelta) -> None:
        assert self.wired is not None
        self.clock.advance(delta)
        await self.wired.dispatcher.run_until_idle()
        self._sync(None)

    # --- what Slack shows -------------------------------------------------------------------

    def _seen(self, kind: str, key: str, content: dict[str, Any]) -> Surface | None:
        """The surface if it is new or changed since the last look, else None."""
        snapshot = json.dumps(content, sort_keys=True, default=str)
        if self._snapshots.get(f"{kind}:{key}") == snapshot:
            return None
        self._snapshots[f"{kind}:{key}"] = snapshot
        found = next((s for s in self.surfaces if (s.kind, s.key) == (kind, key)), None)
        if found is None:
            found = Surface(kind, key, content)
            self.surfaces.append(found)
        found.content = content
        return found

    def _sync(self, actor: str | None) -> list[Surface]:
        changed: list[Surface] = []
        for (channel, ts), message in self.fake.messages.items():
            surface = self._seen("message", f"{channel}/{ts}", message)
            if surface is None:
                continue
            if channel.startswith("D"):
                surface.owner = NAMES.get("U" + channel[1:])
            else:
                surface.space = channel
            changed.append(surface)
        for index in range(self._responses_seen, len(self.fake.responses)):
            key, body = self.fake.responses[index]
            who, channel = self._urls.get(key, (None, None))
            surface = Surface("response", key, body)
            if body.get("response_type") == "in_channel" and channel:
                surface.space = channel
            else:  # response_url posts are ephemeral unless they say otherwise
                surface.owner = who
            self.surfaces.append(surface)
            changed.append(surface)
        self._responses_seen = len(self.fake.responses)
        for view_id, view in self.fake.views.items():
            surface = self._seen("view", view_id, view)
            if surface is not None:
                surface.owner = surface.owner or actor
                changed.append(surface)
        return changed

    def messages_to(self, who: str) -> list[str]:
        return [s.text for s in self.surfaces if s.owner == who]

    def files_to(self, who: str) -> list[tuple[str, bytes]]:
        return [
            (f.filename, f.data)
            for f in self.fake.files.values()
            if f.channel == dm_channel(who) and f.data is not None
        ]

    def messages_in(self, space: str) -> list[str]:
        return [s.text for s in self.surfaces if s.space == space]

    def space_of(self, *people: str) -> Space | None:
        ids = {IDS[p] for p in people}
        for channel in reversed(self.fake.channels.values()):
            if channel.id.startswith(("C", "G")) and ids <= channel.members:
                members = frozenset(NAMES.get(m, m) for m in channel.members - {BOT_USER})
                return Space(channel.id, members)
        return None
