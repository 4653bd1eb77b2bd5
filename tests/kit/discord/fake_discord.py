"""A loopback fake of Discord: the Gateway websocket and the REST API, with Discord's rules.

discord.py's own gateway and HTTP code talk to it (`Route.BASE` and
`DiscordWebSocket.DEFAULT_GATEWAY` point here). It keeps what Discord would show — channel
and DM messages, ephemeral interaction responses and follow-ups, modals opened, threads with
their members, channels with overwrites — and enforces what Discord enforces: an interaction is
acknowledged once (40060) within 3 seconds (10062), modals hold at most 5 inputs with 45-character
labels, components respect their limits and 100-character `custom_id`s, DMs can be closed
(50007), thread creation is rate limited (429 with `retry_after` and a `Via` header), and so
are renames (two per channel per ten minutes); an archived thread takes no edit but being
unarchived (50083); files become attachment objects as Discord returns them, at most 10 MiB
each (40005), their bytes served at their `url`.
Gateway messages are zlib-stream compressed when the client asks for it (discord.py does unless
`zstandard` is installed; then it asks for zstd-stream and gets plain text frames, which it
also reads).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = APP_ID
GUILD = "800000000000000001"
SPACE_CHANNEL = "810000000000000001"
TOKEN = "fake-discord-token"  # a test value, not a secret
USERS = {
    "700000000000000001": "Ana",
    "700000000000000002": "Ben",
    "700000000000000003": "Cora",
    "700000000000000004": "Cy",
    "700000000000000005": "Dee",
}
ADMINS = frozenset({"700000000000000003"})
JSON = "application/json"
DEADLINE = 3.0
ATTACHMENT_LIMIT = 10 * 1024 * 1024  # a server without boosts, as `attachment_size_limit` says
ATTACHMENTS = 10  # files on one message
NAME = 100  # a channel's or thread's name: 1 to 100 characters
RENAMES, RENAME_WINDOW = 2, 600.0  # name or topic changes per channel per window (seconds)
TOPIC = 1024


class Refused(Exception):
    def __init__(self, status: int, code: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@dataclass
class Channel:
    id: str
    type: int  # 0 text, 1 DM, 12 private thread
    name: str = ""
    guild_id: str | None = None
    parent_id: str | None = None
    recipient: str | None = None
    members: set[str] = field(default_factory=set)
    overwrites: dict[str, dict[str, Any]] = field(default_factory=dict)
    archived: bool = False
    locked: bool = False
    topic: str = ""

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "name": self.name}
        if self.guild_id:
            data["guild_id"] = self.guild_id
        if self.parent_id:
            data["parent_id"] = self.parent_id
        if self.type == 1:
            data["recipients"] = [user(self.recipient or "")]
            data["last_message_id"] = None
        if self.type == 12:
            data["thread_metadata"] = {
                "archived": self.archived,
                "locked": self.locked,
                "auto_archive_duration": 10080,
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "invitable": False,
            }
            data["owner_id"] = BOT_ID
            data["member_count"] = len(self.members)
            data["message_count"] = 0
        if self.type == 0:
            data["position"] = 0
            data["permission_overwrites"] = list(self.overwrites.values())
            data["topic"] = self.topic
        return data


@dataclass
class Upload:
    """A file sent with a message (`files[n]` in a multipart request)."""

    filename: str
    data: bytes
    content_type: str


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (Discord reports them for images)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@dataclass
class Interaction:
    id: str
    token: str
    user: str
    created: float
    payload: dict[str, Any]
    acked: bool = False
    acked_at: float | None = None  # time.monotonic() of the first acknowledgement
    original: dict[str, Any] | None = None  # the message shown as the response


@dataclass
class Shown:
    """One thing a person or a channel sees: a message, an ephemeral reply or a modal."""

    kind: str  # "message", "ephemeral", "modal"
    data: dict[str, Any]
    owner: str | None = None  # shown to this user alone
    channel: str | None = None  # shown in this channel to everyone
    interaction: str | None = None


def user(user_id: str) -> dict[str, Any]:
    """Ana, Ben and Cora by name; any other id is a member named after it (`person-123`)."""
    name = USERS.get(user_id, "mentorbot" if user_id == BOT_ID else f"person-{user_id[-4:]}")
    return {
        "id": user_id,
        "username": name.lower(),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": user_id == BOT_ID,
    }


def check_components(rows: list[dict[str, Any]], *, modal: bool = False) -> None:
    if len(rows) > 5:
        raise Refused(400, 50035, "Invalid Form Body: too many component rows")
    for row in rows:
        items = row.get("components") or []
        if row.get("type") != 1 or not items or len(items) > 5:
            raise Refused(400, 50035, "Invalid Form Body: an action row holds 1 to 5 components")
        for item in items:
            custom = str(item.get("custom_id") or "")
            if not custom or len(custom) > 100:
                raise Refused(400, 50035, "Invalid Form Body: custom_id must be 1-100 characters")
            if item.get("type") == 3:
                options = item.get("options") or []
                if not options or len(options) > 25:
                    raise Refused(400, 50035, "Invalid Form Body: a select holds 1-25 options")
                if int(item.get("max_values") or 1) > len(options):
                    raise Refused(400, 50035, "Invalid Form Body: max_values above the options")
            if item.get("type") == 4:
                if not modal:
                    raise Refused(400, 50035, "Invalid Form Body: text inputs belong in modals")
                if len(str(item.get("label") or "")) > 45:
                    raise Refused(400, 50035, "Invalid Form Body: a label is at most 45 characters")
            if item.get("type") == 2 and len(str(item.get("label") or "")) > 80:
                raise Refused(
                    400, 50035, "Invalid Form Body: a button label is at most 80 characters"
                )


class FakeDiscord:
    """`await FakeDiscord().start()`; `base_url` and `gateway_url` go into the adapter's config."""

    def __init__(
        self,
        *,
        thread_limit: int = 0,
        thread_window: float = 1.0,
        refuse_every: int = 0,
        rename_window: float = RENAME_WINDOW,
    ) -> None:
        """`thread_limit` threads per `thread_window` seconds (0: no limit), and/or every
        `refuse_every`-th thread creation refused once with a short 429, whatever the timing.
        A channel's name or topic changes twice per `rename_window` seconds (Discord: ten
        minutes), the next change waits (429)."""
        self.rename_window = rename_window
        self._renames: dict[str, list[float]] = {}
        self.channels: dict[str, Channel] = {
            SPACE_CHANNEL: Channel(SPACE_CHANNEL, 0, "mentoring", GUILD),
        }
        self.shown: list[Shown] = []
        self.interactions: dict[str, Interaction] = {}
        self.nonces: dict[str, dict[str, Any]] = {}
        self.files: dict[str, Upload] = {}  # attachment id → the file uploaded
        self.closed_dms: set[str] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.rate_limited = 0
        self.thread_limit, self.thread_window = thread_limit, thread_window
        self._thread_times: list[float] = []
        self.refuse_every, self._thread_calls = refuse_every, 0
        self.errors: list[tuple[int, str]] = []  # every error answered (code, message)
        self.requests: list[tuple[str, str]] = []  # every REST request (method, path)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self.sessions = 0
        self.compression = ""  # what the last client asked for (`zlib-stream`, …)
        self._zlib: dict[int, Any] = {}
        self.resumes = 0
        self.root = ""

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        # aiohttp refuses bodies over 1 MiB itself; Discord's own limit (40005) decides here
        app = web.Application(client_max_size=4 * ATTACHMENT_LIMIT)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/attachments/{channel}/{id}/{name}", self._attachment)
        app.router.add_get("/media/attachments/{channel}/{id}/{name}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.root = f"http://127.0.0.1:{port}"
        return self

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.root.removeprefix('http://')}/gateway"

    async def close(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def snowflake(self) -> str:
        # ids grow with time like Discord's (so a message id carries its creation time)
        return str(((int(time.time() * 1000) - 1420070400000) << 22) + next(self._ids))

    async def _attachment(self, request: web.Request) -> web.Response:
        """An attachment's bytes at its `url`, as Discord's CDN serves them."""
        found = self.files.get(request.match_info["id"])
        if found is None or found.filename != request.match_info["name"]:
            return web.Response(status=404)
        kind = mimetypes.guess_type(found.filename)[0] or found.content_type
        return web.Response(body=found.data, content_type=kind)

    def attachment(self, attachment: dict[str, Any]) -> tuple[str, bytes]:
        """An attachment a message shows: its name and the bytes uploaded."""
        return str(attachment["filename"]), self.files[str(attachment["id"])].data

    # --- gateway ----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self.compression = request.query.get("compress", "")
        if self.compression == "zlib-stream":  # one zlib stream per connection, as Discord
            self._zlib[id(ws)] = zlib.compressobj()
        await self.send(ws, {"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:
                    await self.send(ws, {"op": 11})
                elif op == 2:
                    if data["d"].get("token") != TOKEN:
                        await ws.close(code=4004)
                        break
                    self.sessions += 1
                    await self._ready(ws)
                elif op == 6:
                    self.resumes += 1
                    await self.dispatch_on(ws, "RESUMED", {})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            self._zlib.pop(id(ws), None)
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        await self.dispatch_on(
            ws,
            "READY",
            {
                "v": 10,
                "user": user(BOT_ID),
                "guilds": [{"id": GUILD, "unavailable": True}],
                "session_id": f"session-{self.sessions}",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": APP_ID, "flags": 0},
            },
        )
        await self.dispatch_on(ws, "GUILD_CREATE", self.guild())

    def guild(self) -> dict[str, Any]:
        return {
            "id": GUILD,
            "name": "Mentoring Club",
            "owner_id": "700000000000000099",
            "unavailable": False,
            "member_count": len(USERS) + 1,
            "roles": [{"id": GUILD, "name": "@everyone", "permissions": "0", "position": 0}],
            "channels": [c.payload() for c in self.channels.values() if c.type == 0],
            "threads": [],
            "members": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "large": False,
        }

    async def dispatch_on(
        self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]
    ) -> None:
        await self.send(ws, {"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def send(self, ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
        """A gateway message: zlib-stream compressed when the client asked for it (each
        message ends with a sync flush), else a text frame (zstd-stream is not faked)."""
        text = json.dumps(message)
        stream = self._zlib.get(id(ws))
        if stream is None:
            await ws.send_str(text)
            return
        await ws.send_bytes(stream.compress(text.encode()) + stream.flush(zlib.Z_SYNC_FLUSH))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for _ in range(200):  # a reconnecting client: wait for its socket
            if self._sockets:
                break
            await asyncio.sleep(0.02)
        await self.dispatch_on(self._sockets[-1], event, data)

    async def reconnect(self) -> None:
        """Gateway opcode 7: the client closes, reconnects and RESUMEs."""
        before = self.resumes
        await self.send(self._sockets[-1], {"op": 7, "d": None})
        for _ in range(250):
            if self.resumes > before:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the client did not resume after RECONNECT")

    # --- interactions from people -----------------------------------------------------------

    def member(self, user_id: str) -> dict[str, Any]:
        return {
            "user": user(user_id),
            "roles": [],
            "nick": None,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str((1 << 5) if user_id in ADMINS else 0),
        }

    async def interact(
        self,
        user_id: str,
        kind: int,
        data: dict[str, Any],
        *,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        """A person uses a command, clicks or submits a modal: INTERACTION_CREATE."""
        interaction_id = self.snowflake()
        token = f"itoken-{interaction_id}"
        where = self.channels.get(channel or "")
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": APP_ID,
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {},
        }
        if where is not None and where.guild_id:
            payload["guild_id"] = GUILD
            payload["member"] = self.member(user_id)
            payload["channel_id"] = where.id
            payload["channel"] = where.payload()
            payload["context"] = 0
        else:
            dm = self.dm_of(user_id)
            payload["user"] = user(user_id)
            payload["channel_id"] = dm.id
            payload["channel"] = dm.payload()
            payload["context"] = 1
        if message is not None:
            payload["message"] = message
        found = Interaction(interaction_id, token, user_id, time.monotonic(), payload)
        self.interactions[token] = found
        await self.dispatch("INTERACTION_CREATE", payload)
        return found

    def dm_of(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient == user_id:
                return channel
        made = Channel(self.snowflake(), 1, recipient=user_id)
        self.channels[made.id] = made
        return made

    async def post_message(self, user_id: str, channel: str, text: str = "") -> None:
        """A person writes in a channel or DM (MESSAGE_CREATE). Without the message-content
        intent Discord sends guild messages without their text; DMs keep it."""
        where = self.channels[channel]
        data = {
            "id": self.snowflake(),
            "channel_id": channel,
            "author": user(user_id),
            "content": "" if where.guild_id else text,
            "type": 0,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
        }
        if where.guild_id:
            data["guild_id"] = GUILD
            data["member"] = self.member(user_id)
        await self.dispatch("MESSAGE_CREATE", data)

    # --- REST -------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body: Any = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                body = json.loads(str(form.get("payload_json") or "{}"))
                body["_files"] = [
                    Upload(
                        str(v.filename),
                        v.file.read(),
                        v.content_type or "application/octet-stream",
                    )
                    for k, v in form.items()
                    if isinstance(v, web.FileField)
                ]
            else:
                raw = await request.text()
                body = json.loads(raw) if raw else None
        if request.headers.get("Authorization") not in (
            f"Bot {TOKEN}",
            None,
        ) and not path.startswith(("interactions/", "webhooks/")):
            return self._error(401, 0, "401: Unauthorized")
        self.requests.append((request.method, path.strip("/")))
        try:
            result = await self._route(request.method, path.strip("/").split("/"), body, request)
        except Refused as refused:
            return self._error(refused.status, refused.code, refused.message, **refused.extra)
        if result is None:
            return web.Response(status=204)
        return web.Response(
            status=200, body=json.dumps(result).encode(), headers={"Content-Type": JSON}
        )

    def _error(self, status: int, code: int, message: str, **extra: Any) -> web.Response:
        self.errors.append((code, message))
        headers = {"Content-Type": JSON}
        if status == 429:
            self.rate_limited += 1
            headers["Via"] = "1.1 google"
            headers["Retry-After"] = str(extra.get("retry_after", 1))
        body = {"code": code, "message": message, **extra}
        return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)

    async def _route(self, method: str, parts: list[str], body: Any, request: web.Request) -> Any:
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return user(BOT_ID)
            case ("GET", ["oauth2", "applications", "@me"]):
                return {
                    "id": APP_ID,
                    "name": "mentorbot",
                    "icon": None,
                    "description": "",
                    "rpc_origins": [],
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user("700000000000000099"),
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "team": None,
                    "summary": "",
                }
            case ("PUT", ["applications", _, "guilds", guild, "commands"]):
                self.commands[guild] = body
                return [
                    {**c, "id": self.snowflake(), "application_id": APP_ID, "version": "1"}
                    for c in body
                ]
            case ("PUT", ["applications", _, "commands"]):
                self.commands["global"] = body
                return [
                    {**c, "id": self.snowflake(), "application_id": APP_ID, "version": "1"}
                    for c in body
                ]
            case ("POST", ["interactions", _, token, "callback"]):
                return self._callback(token, body)
            case ("POST", ["webhooks", _, token]):
                return self._followup(token, body)
            case ("PATCH", ["webhooks", _, token, "messages", which]):
                return self._edit_response(token, which, body)
            case ("POST", ["users", "@me", "channels"]):
                return self.dm_of(str(body["recipient_id"])).payload()
            case ("GET", ["channels", channel]):
                return self._channel(channel).payload()
            case ("PATCH", ["channels", channel]):
                return self._edit_channel(self._channel(channel), body)
            case ("POST", ["channels", channel, "messages"]):
                return self._message(channel, body)
            case ("PATCH", ["channels", channel, "messages", message_id]):
                return self._edit_message(channel, message_id, body)
            case ("POST", ["channels", channel, "threads"]):
                return self._thread(channel, body)
            case ("PUT", ["channels", channel, "thread-members", member]):
                thread = self._channel(channel)
                if thread.archived:
                    raise Refused(400, 50083, "Thread is archived")
                thread.members.add(member)
                return None
            case ("DELETE", ["channels", channel, "thread-members", member]):
                self._channel(channel).members.discard(member)
                return None
            case ("PUT", ["channels", channel, "permissions", target]):
                self._channel(channel).overwrites[target] = {"id": target, **body}
                return None
            case ("DELETE", ["channels", channel, "permissions", target]):
                self._channel(channel).overwrites.pop(target, None)
                return None
            case ("POST", ["guilds", guild, "channels"]):
                made = Channel(
                    self.snowflake(),
                    int(body.get("type") or 0),
                    body["name"],
                    guild,
                    parent_id=body.get("parent_id"),
                    topic=body.get("topic") or "",
                )
                for overwrite in body.get("permission_overwrites") or []:
                    made.overwrites[str(overwrite["id"])] = overwrite
                self.channels[made.id] = made
                return made.payload()
            case ("GET", ["guilds", guild, "channels"]):
                return [
                    c.payload()
                    for c in self.channels.values()
                    if c.type == 0 and c.guild_id == guild
                ]
            case ("GET", ["guilds", guild, "threads", "active"]):
                threads = [
                    c.payload() for c in self.channels.values() if c.type == 12 and not c.archived
                ]
                return {"threads": threads, "members": []}
            case ("GET", ["guilds", guild, "members", member]):
                if not member.isdigit() or member == BOT_ID:
                    raise Refused(404, 10007, "Unknown Member")
                found = self.member(member)
                found.pop("permissions")
                found["roles"] = ["820000000000000001"] if member in ADMINS else []
                return found
            case ("GET", ["guilds", guild]):
                data = self.guild()
                data["roles"].append(
                    {
                        "id": "820000000000000001",
                        "name": "Staff",
                        "permissions": str(1 << 5),
                        "position": 1,
                    }
                )
                return data
        raise Refused(404, 0, f"404: Not Found ({method} /{'/'.join(parts)})")

    def _channel(self, channel: str) -> Channel:
        found = self.channels.get(channel)
        if found is None:
            raise Refused(404, 10003, "Unknown Channel")
        return found

    def _edit_channel(self, found: Channel, body: dict[str, Any]) -> dict[str, Any]:
        """Modify Channel: an archived thread takes no change but being unarchived (50083);
        names are 1–100 characters (a text channel's lowercased, spaces made dashes), topics
        at most 1024 and only on text channels."""
        if found.type == 12 and found.archived and body.get("archived", True):
            raise Refused(400, 50083, "Thread is archived")
        name = str(body.get("name", found.name) or "").strip()
        if not 1 <= len(name) <= NAME:
            raise Refused(400, 50035, "Invalid Form Body: name must be 1-100 characters")
        topic = str(body.get("topic", found.topic) or "")
        if "topic" in body and found.type != 0:
            raise Refused(400, 50035, "Invalid Form Body: only a text channel has a topic")
        if len(topic) > TOPIC:
            raise Refused(400, 50035, "Invalid Form Body: topic is at most 1024 characters")
        if "name" in body or "topic" in body:  # checked first, then counted, then applied
            self._renamed(found.id)
        found.name = "-".join(name.lower().split()) if found.type == 0 else name
        found.topic = topic
        found.archived = bool(body.get("archived", found.archived))
        found.locked = bool(body.get("locked", found.locked))
        return found.payload()

    def _renamed(self, channel: str) -> None:
        """Count a name or topic change; a third in the window is refused until it ends."""
        now = time.monotonic()
        recent = [t for t in self._renames.get(channel, []) if now - t < self.rename_window]
        if len(recent) >= RENAMES:
            retry = round(self.rename_window - (now - recent[0]), 3)
            raise Refused(
                429,
                0,
                "You are being rate limited.",
                retry_after=max(retry, 0.01),
                **{"global": False},
            )
        self._renames[channel] = [*recent, now]

    def _interaction(self, token: str) -> Interaction:
        found = self.interactions.get(token)
        if found is None:
            raise Refused(404, 10015, "Unknown Webhook")
        return found

    def _message_body(
        self, channel: str, body: dict[str, Any], author: str = BOT_ID
    ) -> dict[str, Any]:
        content = str(body.get("content") or "")
        if len(content) > 2000:
            raise Refused(400, 50035, "Invalid Form Body: content is at most 2000 characters")
        check_components(body.get("components") or [])
        return {
            "id": self.snowflake(),
            "channel_id": channel,
            "author": user(author),
            "content": content,
            "components": body.get("components") or [],
            "attachments": self._attachments(channel, body),
            "flags": int(body.get("flags") or 0),
            "allowed_mentions": body.get("allowed_mentions"),
            "type": 0,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "embeds": [],
            "pinned": False,
        }

    def _attachments(self, channel: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Discord's attachment objects for the files uploaded with a message; the bytes are
        kept (`files`) and served at the attachment's `url`, as Discord's CDN would."""
        uploads: list[Upload] = body.get("_files") or []
        if len(uploads) > ATTACHMENTS:
            raise Refused(400, 50035, "Invalid Form Body: at most 10 files on a message")
        made = []
        for upload in uploads:
            if len(upload.data) > ATTACHMENT_LIMIT:
                raise Refused(413, 40005, "Request entity too large")
            if not upload.filename.strip():
                raise Refused(400, 50035, "Invalid Form Body: a file needs a name")
            attachment_id = self.snowflake()
            path = f"attachments/{channel}/{attachment_id}/{upload.filename}"
            guessed = mimetypes.guess_type(upload.filename)[0]
            attachment: dict[str, Any] = {
                "id": attachment_id,
                "filename": upload.filename,
                "size": len(upload.data),
                "url": f"{self.root}/{path}",
                "proxy_url": f"{self.root}/media/{path}",
                "content_type": guessed or upload.content_type,
            }
            size = png_size(upload.data)
            if size is not None:
                attachment["width"], attachment["height"] = size
            self.files[attachment_id] = upload
            made.append(attachment)
        return made

    def _message(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        where = self._channel(channel)
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and f"{channel}:{nonce}" in self.nonces:
            return self.nonces[f"{channel}:{nonce}"]
        if where.type == 1 and where.recipient in self.closed_dms:
            raise Refused(403, 50007, "Cannot send messages to this user")
        if where.type == 12 and where.archived:
            raise Refused(400, 50083, "Thread is archived")
        message = self._message_body(channel, body)
        if nonce:
            self.nonces[f"{channel}:{nonce}"] = message
        owner = where.recipient if where.type == 1 else None
        self.shown.append(
            Shown("message", message, owner=owner, channel=None if owner else channel)
        )
        return message

    def _find(self, message_id: str) -> Shown:
        for shown in self.shown:
            if shown.data.get("id") == message_id:
                return shown
        raise Refused(404, 10008, "Unknown Message")

    def _edit_message(self, channel: str, message_id: str, body: dict[str, Any]) -> dict[str, Any]:
        shown = self._find(message_id)
        if "components" in body:
            check_components(body["components"] or [])
        shown.data.update({k: v for k, v in body.items() if k in ("content", "components")})
        return shown.data

    def _thread(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        parent = self._channel(channel)
        self._thread_calls += 1
        if self.refuse_every and self._thread_calls % self.refuse_every == 0:
            raise Refused(
                429, 0, "You are being rate limited.", retry_after=0.1, **{"global": False}
            )
        now = time.monotonic()
        self._thread_times = [t for t in self._thread_times if now - t < self.thread_window]
        if self.thread_limit and len(self._thread_times) >= self.thread_limit:
            retry = round(self.thread_window - (now - self._thread_times[0]), 3)
            raise Refused(
                429,
                0,
                "You are being rate limited.",
                retry_after=max(retry, 0.01),
                **{"global": False},
            )
        self._thread_times.append(now)
        if len(str(body.get("name") or "")) > 100:
            raise Refused(400, 50035, "Invalid Form Body: a thread name is at most 100 characters")
        made = Channel(self.snowflake(), 12, body["name"], parent.guild_id, parent_id=channel)
        made.members.add(BOT_ID)
        self.channels[made.id] = made
        return made.payload()

    # --- interaction responses ----------------------------------------------------------------

    def _callback(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        found = self._interaction(token)
        if time.monotonic() - found.created > DEADLINE:
            raise Refused(404, 10062, "Unknown interaction")
        if found.acked:
            raise Refused(400, 40060, "Interaction has already been acknowledged.")
        kind, data = int(body["type"]), body.get("data") or {}
        found.acked, found.acked_at = True, time.monotonic()
        result: dict[str, Any] = {
            "interaction": {"id": found.id, "type": found.payload["type"]},
        }
        if kind == 9:  # a modal
            rows = data.get("components") or []
            if len(rows) > 5:
                raise Refused(400, 50035, "Invalid Form Body: a modal holds at most 5 components")
            if len(str(data.get("title") or "")) > 45:
                raise Refused(
                    400, 50035, "Invalid Form Body: a modal title is at most 45 characters"
                )
            check_components(rows, modal=True)
            self.shown.append(Shown("modal", data, owner=found.user, interaction=found.id))
            result["resource"] = {"type": 9}
            return result
        if kind == 4:  # a message
            message = self._message_body(found.payload["channel_id"], data)
            found.original = message
            self._show_response(found, message)
            result["resource"] = {"type": 4, "message": message}
        elif kind == 5:  # deferred: "thinking…", replaced by the first edit
            message = self._message_body(
                found.payload["channel_id"], {"content": "", "flags": data.get("flags", 0)}
            )
            found.original = message
            result["interaction"]["response_message_loading"] = True
            result["resource"] = {"type": 5, "message": message}
        elif kind == 7:  # edit the clicked message
            target = self._find(found.payload["message"]["id"])
            if "components" in data:
                check_components(data["components"] or [])
            target.data.update({k: v for k, v in data.items() if k in ("content", "components")})
            result["resource"] = {"type": 7, "message": target.data}
        else:  # 6: deferred update of the clicked message
            result["resource"] = {"type": kind}
        return result

    def _show_response(self, found: Interaction, message: dict[str, Any]) -> None:
        ephemeral = int(message.get("flags") or 0) & 64
        channel = found.payload.get("channel_id")
        if ephemeral or not found.payload.get("guild_id"):
            self.shown.append(Shown("ephemeral", message, owner=found.user, interaction=found.id))
        else:
            self.shown.append(Shown("message", message, channel=channel, interaction=found.id))

    def _followup(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        found = self._interaction(token)
        if not found.acked:
            raise Refused(404, 10015, "Unknown Webhook")
        message = self._message_body(found.payload["channel_id"], body)
        self._show_response(found, message)
        return message

    def _edit_response(self, token: str, which: str, body: dict[str, Any]) -> dict[str, Any]:
        found = self._interaction(token)
        if not found.acked:
            raise Refused(404, 10015, "Unknown Webhook")
        if which == "@original" and found.original is not None:
            if "components" in body:
                check_components(body["components"] or [])
            first = not any(s.data is found.original for s in self.shown)
            found.original.update({k: v for k, v in body.items() if k in ("content", "components")})
            if body.get("_files") or "attachments" in body:
                kept = {str(a.get("id")) for a in body.get("attachments") or []}
                found.original["attachments"] = [
                    a for a in found.original.get("attachments") or [] if a["id"] in kept
                ] + self._attachments(found.payload["channel_id"], body)
            if first:
                self._show_response(found, found.original)
            return found.original
        target_id = found.payload.get("message", {}).get("id") if which == "@original" else which
        target = self._find(str(target_id))
        if "components" in body:
            check_components(body["components"] or [])
        target.data.update({k: v for k, v in body.items() if k in ("content", "components")})
        return target.data

    # --- what people see ----------------------------------------------------------------------

    def seen_by(self, user_id: str) -> list[Shown]:
        return [s for s in self.shown if s.owner == user_id]

    def seen_in(self, channel: str) -> list[Shown]:
        return [s for s in self.shown if s.channel == channel]

    def spaces(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.id != SPACE_CHANNEL and c.type in (0, 12)]

    def space_members(self, channel: Channel) -> set[str]:
        if channel.type == 12:
            return set(channel.members) - {BOT_ID}
        return {
            k for k, o in channel.overwrites.items() if int(o.get("type") or 0) == 1 and k != BOT_ID
        }
