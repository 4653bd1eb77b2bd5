"""`MatrixPort`: core's `ChatPort` on a logged-in nio client whose sync loop runs elsewhere.

Every room the bot makes is end-to-end encrypted from its first event (`m.room.encryption` in
the initial state), and the port refuses to send into a DM or match room that its sync has
not yet seen encrypted, so nothing ever leaves in plain text. Before each send it queries the
keys of changed members and applies the device-trust policy (`tofu`: every device is trusted
when first seen; `verified`: only devices verified by hand get room keys).

A match room is found again by a hashed alias of its name, so creating it twice (a retried
commit, or two instances) yields the same room. A person's DM is a direct room with the bot,
remembered in `rooms.json` in the store directory (or learnt from their invitation).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    JoinError,
    MatrixRoom,
    ProfileGetDisplayNameResponse,
    RoomCreateError,
    RoomCreateResponse,
    RoomPreset,
    RoomResolveAliasResponse,
    RoomSendResponse,
    UploadResponse,
)

from adapters.matrix.render import render
from adapters.matrix.session import MatrixConfig
from core import markup
from core.content import Content, File, Form, Prompt, Text, as_text
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.markup import defuse_mass_mentions
from core.ports import Capabilities, MessageRef, Unreachable, UserInfo
from core.programs.bindings import Binding, MatrixBinding

log = logging.getLogger(__name__)

PLATFORM = "matrix"
MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}
ROOM_READY_TIMEOUT = 30.0
# people who cannot be reached by DM at all (no such user, or the server refuses)
UNREACHABLE = ("M_NOT_FOUND", "M_FORBIDDEN", "M_UNKNOWN", "M_INVALID_PARAM", "M_USER_NOT_FOUND")


def encrypted_room_state(history: str = "invited") -> list[dict[str, Any]]:
    """Initial state of every room the bot makes: encrypted, history visible from invitation."""
    return [
        {"type": "m.room.encryption", "state_key": "", "content": MEGOLM},
        {
            "type": "m.room.history_visibility",
            "state_key": "",
            "content": {"history_visibility": history},
        },
    ]


def power_levels() -> dict[str, Any]:
    """Members talk; invitations, names, settings and removals stay with the bot, the room's
    creator (and anyone it raises to moderator). `users` is left to the server: it ranks the
    creator highest in every room version (from version 12 on, outside this event)."""
    return {
        "users_default": 0,
        "events_default": 0,
        "invite": 50,
        "kick": 50,
        "ban": 50,
        "redact": 50,
        "state_default": 50,
        "events": {"m.reaction": 0, "m.room.redaction": 0},
    }


CREATOR_LEVEL = 100  # room creators, above every power level from room version 12 on


def _creators_rank_highest(room: MatrixRoom) -> bool:
    version = room.room_version
    return version.isdigit() and int(version) >= 12


def alias_of(bot: str, workspace_id: str, name: str) -> str:
    """The alias local part that finds a bot's match room again (hashed: names stay private)."""
    key = f"{bot}\0{workspace_id}\0{name}"
    return "mentorbot-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def txn_id(idempotency_key: str | None) -> str:
    """A transaction id: the same key gives the same id, so the homeserver keeps one event."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return "mb-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


@dataclass
class RoomBook:
    """What the bot knows about its rooms beyond the sync state: people's DMs (kept in a
    file, so they survive a restart), match rooms, and when it joined rooms it was invited to
    (events from before are not for it)."""

    path: Path | None = None
    dms: dict[str, str] = field(default_factory=dict)  # user id → room id
    matches: set[str] = field(default_factory=set)
    joined_at: dict[str, int] = field(default_factory=dict)  # room id → ms since epoch

    @classmethod
    def load(cls, path: Path) -> RoomBook:
        book = cls(path)
        if path.exists():
            book.dms = dict(json.loads(path.read_text()).get("dms", {}))
        return book

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps({"dms": self.dms}, indent=1))

    def remember_dm(self, user_id: str, room_id: str) -> None:
        if self.dms.get(user_id) != room_id:
            self.dms[user_id] = room_id
            self.save()

    def dm_user(self, room_id: str) -> str | None:
        return next((user for user, room in self.dms.items() if room == room_id), None)


class Synced:
    """Lets a sender wait until the sync loop has seen a room (as encrypted)."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, ready: Callable[[], bool], within: float = ROOM_READY_TIMEOUT) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), within)


def reaction_hint(prompt: Prompt) -> str:
    """How to answer a prompt with a reaction, for the yes/no kind."""
    if prompt.multiple or len(prompt.choices) < 2:
        return ""
    first, second = (markup.literal(c.label) for c in prompt.choices[:2])
    return f"\n_Or react: 👍 for “{first}”, 👎 for “{second}”._"


class MatrixPort:
    """Sends through `client`; `synced` is notified by the adapter after each sync."""

    def __init__(
        self, client: AsyncClient, config: MatrixConfig, book: RoomBook, synced: Synced
    ) -> None:
        self.client = client
        self.config = config
        self.book = book
        self.synced = synced
        self._keys = asyncio.Lock()
        self._creating = asyncio.Semaphore(config.space_concurrency)
        self._dm_locks: dict[str, asyncio.Lock] = {}
        self._creators_of: dict[str, frozenset[str]] = {}
        self.sent: deque[tuple[str, str]] = deque(maxlen=1000)  # (room, event) sent lately

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()  # text only: one question at a time, numbered choices

    @property
    def command(self) -> str:
        return self.config.prefix

    @property
    def workspace(self) -> str:
        return self.config.server_name

    # --- sending ------------------------------------------------------------------------------

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        room_id = await self._room_of(to)
        payload = await self._payload(room_id, content)
        event_id = await self._send(room_id, "m.room.message", payload, txn_id(idempotency_key))
        return MessageRef(to, event_id)

    async def update(self, message: MessageRef, content: Content) -> None:
        room_id = await self._room_of(message.conversation)
        new = await self._payload(room_id, content)
        edit = {
            **new,
            "body": "* " + str(new.get("body", "")),
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": message.message_id},
        }
        if "formatted_body" in new:
            edit["formatted_body"] = "* " + str(new["formatted_body"])
        await self._send(room_id, "m.room.message", edit, txn_id(None))

    async def _payload(self, room_id: str, content: Content) -> dict[str, Any]:
        if isinstance(content, File):
            return await self._file(room_id, content)
        if isinstance(content, Prompt):
            text = as_text(content) + reaction_hint(content)
        elif isinstance(content, Text | Form):
            text = as_text(content)
        return render(text).content("m.notice")

    async def _file(self, room_id: str, file: File) -> dict[str, Any]:
        """An attachment, encrypted (AES-CTR, keys in the event) in an encrypted room."""
        encrypted = self._room(room_id).encrypted
        uploaded, keys = await self.client.upload(
            lambda *_: file.data,
            content_type=file.media_type,
            filename=file.name,
            encrypt=encrypted,
            filesize=len(file.data),
        )
        if not isinstance(uploaded, UploadResponse):
            raise OSError(f"uploading {file.name} failed: {uploaded}")
        body = defuse_mass_mentions(file.alt_text or file.name)
        info = {"mimetype": file.media_type, "size": len(file.data)}
        event: dict[str, Any] = {"msgtype": "m.file", "body": body, "filename": file.name}
        event["info"] = info
        if keys is not None:
            event["file"] = {**keys, "url": uploaded.content_uri, "mimetype": file.media_type}
        else:
            event["url"] = uploaded.content_uri
        return event

    async def _send(self, room_id: str, kind: str, content: dict[str, Any], tx: str) -> str:
        await self._prepare(room_id)
        sent = await self.client.room_send(
            room_id, kind, content, tx_id=tx, ignore_unverified_devices=self.config.trust == "tofu"
        )
        if not isinstance(sent, RoomSendResponse):
            raise OSError(f"sending to {room_id} failed: {sent}")
        self.sent.append((room_id, str(sent.event_id)))
        return str(sent.event_id)

    def _room(self, room_id: str) -> MatrixRoom:
        room = self.client.rooms.get(room_id)
        if room is None:
            raise OSError(f"the bot is not in room {room_id}")
        return room

    async def _prepare(self, room_id: str) -> None:
        """The room known and, if it is ours, encrypted; members' keys fresh; trust applied."""
        must_encrypt = room_id in self.book.matches or room_id in self.book.dms.values()
        await self.synced.until(
            lambda: (
                room_id in self.client.rooms
                and (self.client.rooms[room_id].encrypted or not must_encrypt)
            )
        )
        room = self._room(room_id)
        if not room.encrypted:
            return
        async with self._keys:
            if self.client.olm is not None:
                self.client.olm.update_tracked_users(room)  # invited members too
            if self.client.should_query_keys:
                await self.client.keys_query()
            store = self.client.device_store
            for user_id in room.users:
                for device in store.active_user_devices(user_id):
                    if device.verified or device.blacklisted or device.ignored:
                        continue
                    if self.config.trust == "tofu":
                        self.client.verify_device(device)
                    else:
                        self.client.blacklist_device(device)

    async def refresh_keys(self) -> None:
        """Query the device keys of people whose devices changed (one query at a time)."""
        async with self._keys:
            if self.client.should_query_keys:
                await self.client.keys_query()

    # --- rooms --------------------------------------------------------------------------------

    async def _room_of(self, to: Conversation) -> str:
        if to.kind is not ConversationKind.DM:
            return to.id
        lock = self._dm_locks.setdefault(to.id, asyncio.Lock())
        async with lock:
            room_id = self.book.dms.get(to.id)
            room = self.client.rooms.get(room_id or "")
            if room_id is not None and room is not None and to.id in room.users:
                return room_id
            return await self._open_dm(to)

    async def _open_dm(self, to: Conversation) -> str:
        user = PlatformUser(to.platform, to.workspace_id, to.id)
        made = await self.client.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[to.id],
            initial_state=encrypted_room_state(),
        )
        if isinstance(made, RoomCreateError):
            if made.status_code in UNREACHABLE:
                raise Unreachable(user, made.message or str(made.status_code))
            raise OSError(f"opening a DM with {to.id} failed: {made}")
        assert isinstance(made, RoomCreateResponse)
        self.book.remember_dm(to.id, made.room_id)
        await self._known(made.room_id, [to.id])
        return made.room_id

    async def _known(self, room_id: str, members: Sequence[str] = ()) -> None:
        """Until the sync has seen the room encrypted, with `members` joined or invited (their
        devices then get the room keys)."""

        def ready() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and room.encrypted and all(m in room.users for m in members)

        await self.synced.until(ready)

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        alias = alias_of(self.client.user_id, workspace_id, name)
        async with self._creating:
            room_id = await self._by_alias(alias)
            if room_id is None:
                room_id = await self._create(alias, name, topic, members, binding)
        self.book.matches.add(room_id)
        space = SpaceRef(PLATFORM, workspace_id, room_id, name)
        await self._known(room_id)
        await self.add_members(space, members)
        await self._known(room_id, [m.user_id for m in members])
        return space

    async def _by_alias(self, alias: str) -> str | None:
        found = await self.client.room_resolve_alias(f"#{alias}:{self.config.server_name}")
        if not isinstance(found, RoomResolveAliasResponse):
            return None
        if found.room_id not in self.client.rooms:  # the bot left it: back in, or refuse
            joined = await self.client.join(found.room_id)
            if isinstance(joined, JoinError):
                raise OSError(f"the match room {found.room_id} exists but the bot cannot rejoin it")
        return found.room_id

    async def _create(
        self,
        alias: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        binding: Binding | None,
    ) -> str:
        state = encrypted_room_state()
        space = binding.space if isinstance(binding, MatrixBinding) else None
        via = {"via": [self.config.server_name]}
        if space:
            state.append(
                {
                    "type": "m.space.parent",
                    "state_key": space,
                    "content": {**via, "canonical": True},
                }
            )
        made = await self.client.room_create(
            alias=alias,
            name=defuse_mass_mentions(name),
            topic=defuse_mass_mentions(topic),
            preset=RoomPreset.private_chat,
            invite=[m.user_id for m in members],
            initial_state=state,
            power_level_override=power_levels(),
        )
        if isinstance(made, RoomCreateError):
            again = await self._by_alias(alias)  # made meanwhile by a retry or another instance
            if again is not None:
                return again
            raise OSError(f"creating the match room {name!r} failed: {made}")
        assert isinstance(made, RoomCreateResponse)
        if space:
            added = await self.client.room_put_state(space, "m.space.child", via, made.room_id)
            if not hasattr(added, "event_id"):
                log.warning(
                    "matrix: could not add %s to the Space %s: %s", made.room_id, space, added
                )
        return made.room_id

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        room = self.client.rooms.get(space.space_id)
        for user in users:
            if room is not None and user.user_id in room.users:
                continue  # joined or invited already
            done = await self.client.room_invite(space.space_id, user.user_id)
            if hasattr(done, "status_code") and "already in the room" not in str(done.message):
                raise OSError(f"inviting {user.user_id} failed: {done}")

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        """Kick each person (someone already gone is not an error); archived rooms too, since
        the bot stays in them as their moderator."""
        for user in users:
            done = await self.client.room_kick(space.space_id, user.user_id)
            if hasattr(done, "status_code") and await self._still_in(space, user.user_id):
                raise OSError(f"removing {user.user_id} from {space.space_id} failed: {done}")

    async def _still_in(self, space: SpaceRef, user_id: str) -> bool:
        """Whether `user_id` is joined or invited, as the room's state says (True if unknown)."""
        found = await self.client.room_get_state_event(space.space_id, "m.room.member", user_id)
        membership = (getattr(found, "content", None) or {}).get("membership")
        if membership is None:
            return getattr(found, "status_code", None) != "M_NOT_FOUND"
        return membership in ("join", "invite")

    async def rename_space(self, space: SpaceRef, name: str, topic: str) -> SpaceRef | None:
        """New `m.room.name` and `m.room.topic` (defused, as at creation), archived rooms too.
        None when the bot is no longer in the room (one an older version archived by leaving
        it): nobody can change it then."""
        for kind, content in (
            ("m.room.name", {"name": defuse_mass_mentions(name)}),
            ("m.room.topic", {"topic": defuse_mass_mentions(topic)}),
        ):
            done = await self.client.room_put_state(space.space_id, kind, content)
            if hasattr(done, "event_id"):
                continue
            if not await self._still_in(space, self.client.user_id):
                return None
            raise OSError(f"renaming {space.space_id} failed: {done}")
        return dataclasses.replace(space, name=name)

    async def archive_space(self, space: SpaceRef) -> None:
        """Read-only for everyone, reactions included (the history stays with its members, who
        may still delete their own messages). The bot stays in the room, silent, as its only
        moderator: a person who later asks to be forgotten is still taken out of it, and their
        name out of its name and topic."""
        current = await self.client.room_get_state_event(space.space_id, "m.room.power_levels")
        levels = dict(getattr(current, "content", None) or power_levels())
        events = {**dict(levels.get("events") or {}), "m.reaction": 100}  # redacting stays
        levels.update(events_default=100, events=events)
        done = await self.client.room_put_state(space.space_id, "m.room.power_levels", levels)
        if not hasattr(done, "event_id"):
            raise OSError(f"archiving {space.space_id} failed: {done}")
        self.book.matches.discard(space.space_id)

    async def user_info(self, user: PlatformUser) -> UserInfo:
        named = await self.client.get_displayname(user.user_id)
        name = named.displayname if isinstance(named, ProfileGetDisplayNameResponse) else None
        levels = {}
        for room_id in self.config.program_rooms:
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            level = room.power_levels.get_user_level(user.user_id)
            if _creators_rank_highest(room) and user.user_id in await self._creators(room_id):
                level = CREATOR_LEVEL
            levels[room_id] = level
        return UserInfo(display_name=name or user.user_id, power_levels=levels)

    async def _creators(self, room_id: str) -> frozenset[str]:
        """Who created a room (from room version 12 on they outrank every power level)."""
        if room_id not in self._creators_of:
            found = await self.client.room_get_state(room_id)
            creators: set[str] = set()
            for event in getattr(found, "events", []):
                if event.get("type") == "m.room.create":
                    content = event.get("content") or {}
                    creators = {str(event.get("sender"))}
                    creators.update(map(str, content.get("additional_creators") or []))
            self._creators_of[room_id] = frozenset(creators)
        return self._creators_of[room_id]
