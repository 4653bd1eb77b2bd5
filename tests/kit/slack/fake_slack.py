"""A loopback fake of the Slack Web API (and Socket Mode websocket) that records every call.

It behaves like Slack where the adapter depends on it: trigger_ids expire after 3 s (and work
once), channel names follow Slack's rules and collide with `name_taken`, `already_in_channel`
and `not_in_channel` happen, any method can be made to answer `429` with `Retry-After: 0`, and
`views.*` arrive as JSON while `conversations.*` arrive as form fields. Tokens are never checked
beyond being present: tests use placeholders like `xoxb-test-not-a-token`.

Files go through Slack's three-step upload: `files.getUploadURLExternal` (filename and a positive
length, else `invalid_arguments`) hands out an upload URL, the bytes are POSTed there (a length
that differs from the announced one is refused with 400), and `files.completeUploadExternal`
shares the uploaded files into a channel the bot is in (`file_not_found` for an id that was never
uploaded). A `response_url` answer with `response_type: in_channel` lands in the channel for
everyone to see, as on Slack; an ephemeral one is kept apart in `responses`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")
TEAM = "T0TEST"
BOT_USER = "U0BOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    json: bool


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    alt_txt: str = ""
    data: bytes | None = None
    title: str = ""
    channel: str = ""


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    creator: str
    members: set[str] = field(default_factory=set)
    topic: str = ""
    archived: bool = False


class SlackError(Exception):
    def __init__(self, error: str) -> None:
        self.error = error


class FakeSlack:
    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.users = users or {}
        self.calls: list[Call] = []
        self.channels: dict[str, Channel] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.response_channels: dict[str, str] = {}
        self.files: dict[str, UploadedFile] = {}
        self.refuse_uploads = 0  # the next N upload POSTs answer 500
        self.trigger_ttl = 3.0
        self.rate_limited: Counter[str] = Counter()
        self.missing_scopes: set[str] = set()
        self.no_dm: dict[str, str] = {}  # user id -> the error Slack gives for a DM to them
        self._triggers: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_received: list[dict[str, Any]] = []
        self.socket_connected = asyncio.Event()
        self.root = ""

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/response/{key}", self._response),
                web.post("/upload/{file_id}", self._upload),
                web.get("/ws", self._websocket),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.root = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"  # slack-sdk needs the trailing slash

    # --- test helpers --------------------------------------------------------------------------

    def trigger(self) -> str:
        trigger = f"{next(self._ids)}.{int(time.time())}.fake"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def response_url(self, channel: str = "") -> str:
        key = str(next(self._ids))
        self.response_channels[key] = channel
        return f"{self.root}/response/{key}"

    def visible_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages everyone in `channel` sees (not ephemeral ones)."""
        return [m for (c, _), m in self.messages.items() if c == channel]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        await self.socket_connected.wait()
        await self._sockets[-1].send_str(json.dumps(envelope))

    # --- HTTP ------------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], bool]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
            return params, True
        params.update(dict(await request.post()))
        return params, False

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, is_json = await self._params(request)
        self.calls.append(Call(method, params, is_json))
        if self.rate_limited[method] > 0:
            self.rate_limited[method] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
            )
        if not request.headers.get("Authorization", "").startswith("Bearer x"):
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = getattr(self, "_" + _snake(method), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        try:
            result = handler(params)
        except SlackError as error:
            return web.json_response({"ok": False, "error": error.error})
        return web.json_response({"ok": True, **result})

    async def _response(self, request: web.Request) -> web.Response:
        key, body = request.match_info["key"], await request.json()
        self.responses.append((key, body))
        channel = self.response_channels.get(key, "")
        if body.get("response_type") == "in_channel" and channel:
            ts = f"{1_700_000_000 + next(self._ts)}.000300"
            self.messages[(channel, ts)] = {"ts": ts, "text": body.get("text"), **body}
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        pending = self.files.get(request.match_info["file_id"])
        data = await request.read()
        if self.refuse_uploads > 0:
            self.refuse_uploads -= 1
            return web.Response(status=500, text="upload failed")
        if pending is None or pending.data is not None or len(data) != pending.length:
            return web.Response(status=400, text="invalid upload")
        pending.data = data
        return web.Response(text=f"OK - {len(data)}")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.socket_connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_received.append(json.loads(message.data))
        return socket

    # --- methods ---------------------------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"team_id": TEAM, "team": "Test", "user_id": BOT_USER, "bot_id": "B0BOT", "url": ""}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.root.replace("http", "ws") + "/ws"}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": {"id": params["user"], "tz": "Europe/Berlin", **user}}

    def _channel(self, channel: str) -> str:
        if channel in self.no_dm:
            raise SlackError(self.no_dm[channel])
        if channel.startswith("U"):
            return "D" + channel[1:]
        if channel.startswith("D"):
            return channel
        found = self.channels.get(channel)
        if found is None:
            raise SlackError("channel_not_found")
        if BOT_USER not in found.members:
            raise SlackError("not_in_channel")
        return channel

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params["channel"]))
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        message = {"ts": ts, "text": params.get("text"), "blocks": _blocks(params)}
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params["channel"]), str(params["ts"]))
        if key not in self.messages:
            raise SlackError("message_not_found")
        self.messages[key] = {"ts": key[1], "text": params.get("text"), "blocks": _blocks(params)}
        return {"channel": key[0], "ts": key[1]}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"{1_700_000_000 + next(self._ts)}.000200"}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id"))
        issued = self._triggers.pop(trigger, None)
        if issued is None:
            raise SlackError("invalid_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        view_id = f"V{next(self._ids):06d}"
        self.views[view_id] = dict(params["view"], id=view_id)
        return {"view": self.views[view_id]}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id"))
        if view_id not in self.views:
            raise SlackError("not_found")
        self.views[view_id] = dict(params["view"], id=view_id)
        return {"view": self.views[view_id]}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        self.homes[str(params["user_id"])] = params["view"]
        return {"view": params["view"]}

    def _conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        if "conversations.create" in self.missing_scopes:
            raise SlackError("missing_scope")
        name = str(params.get("name"))
        if not CHANNEL_NAME.match(name):
            raise SlackError(
                "invalid_name_specials" if len(name) <= 80 else "invalid_name_maxlength"
            )
        if any(c.name == name for c in self.channels.values()):
            raise SlackError("name_taken")
        channel = Channel(
            f"C{next(self._ids):08d}",
            name,
            params.get("is_private") in ("1", "true", True),
            BOT_USER,
            {BOT_USER},
        )
        self.channels[channel.id] = channel
        return {"channel": {"id": channel.id, "name": name, "is_private": channel.is_private}}

    def _conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        hide_archived = params.get("exclude_archived") in ("1", "true", True)
        listed = [
            {"id": c.id, "name": c.name, "creator": c.creator, "is_archived": c.archived}
            for c in self.channels.values()
            if BOT_USER in c.members and not (hide_archived and c.archived)
        ]
        return {"channels": listed, "response_metadata": {"next_cursor": ""}}

    def _conversations_set_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        self._open_channel(params).topic = str(params["topic"])
        return {}

    def _conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[self._channel(str(params["channel"]))]
        users = str(params["users"]).split(",")
        if any(u in channel.members for u in users):
            raise SlackError("already_in_channel")
        channel.members.update(users)
        return {"channel": {"id": channel.id}}

    def _open_channel(self, params: dict[str, Any]) -> Channel:
        """The channel named in `params`, refusing changes to an archived one as Slack does."""
        channel = self.channels[self._channel(str(params["channel"]))]
        if channel.archived:
            raise SlackError("is_archived")
        return channel

    def _conversations_rename(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._open_channel(params)
        if channel.id.startswith("G"):
            raise SlackError("method_not_supported_for_channel_type")
        name = str(params.get("name"))
        if not CHANNEL_NAME.match(name):
            raise SlackError("invalid_name_specials")
        if any(c.name == name and c.id != channel.id for c in self.channels.values()):
            raise SlackError("name_taken")
        channel.name = name
        return {"channel": {"id": channel.id, "name": name}}

    def _conversations_unarchive(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[self._channel(str(params["channel"]))]
        if not channel.archived:
            raise SlackError("not_archived")
        channel.archived = False
        return {}

    def _conversations_kick(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._open_channel(params)
        user = str(params["user"])
        if user == BOT_USER:
            raise SlackError("cant_kick_self")
        if user not in channel.members:
            raise SlackError("not_in_channel")
        channel.members.discard(user)
        return {}

    def _conversations_archive(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[self._channel(str(params["channel"]))]
        if channel.id.startswith("G"):
            raise SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise SlackError("already_archived")
        channel.archived = True
        return {}

    def _conversations_close(self, params: dict[str, Any]) -> dict[str, Any]:
        self._channel(str(params["channel"]))
        return {}

    def _files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(params.get("filename") or ""), str(params.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        alt = str(params.get("alt_txt") or "")
        self.files[file_id] = UploadedFile(file_id, filename, int(length), alt)
        return {"upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        listed = json.loads(str(params.get("files") or "[]"))
        found = [self.files.get(str(item.get("id"))) for item in listed]
        if not listed or any(f is None or f.data is None for f in found):
            raise SlackError("file_not_found")
        channel = self._channel(str(params.get("channel_id") or ""))
        shared = []
        for item, uploaded in zip(listed, found, strict=True):
            assert uploaded is not None
            uploaded.title, uploaded.channel = str(item.get("title") or ""), channel
            shared.append({"id": uploaded.id, "title": uploaded.title, "name": uploaded.filename})
        return {"files": shared}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = sorted(str(params["users"]).split(","))
        if len(users) == 1:  # a DM with the bot
            return {"channel": {"id": "D" + users[0][1:]}}
        channel_id = "G" + "".join(u[-3:] for u in users)
        self.channels.setdefault(
            channel_id,
            Channel(channel_id, "mpdm-" + "--".join(users), True, BOT_USER, {BOT_USER, *users}),
        )
        return {"channel": {"id": channel_id}}


def _blocks(params: dict[str, Any]) -> list[Any]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def _snake(method: str) -> str:
    """`chat.postMessage` → `chat_post_message`, `files.getUploadURLExternal` → `…_url_external`."""
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", method)  # `URLExternal` → `URL_External`
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words).replace(".", "_").lower()
