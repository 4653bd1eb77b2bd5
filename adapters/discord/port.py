"""The Discord `ChatPort`: messages, private threads or channels and DMs through discord.py's
HTTP client, which paces itself under Discord's rate limits (429 `retry_after`).

A match space is, as the program's binding says, a private thread (`invitable=False`) in the
binding's `space_channel`, or a private text channel (under `space_category`, if given) whose
permission overwrites hide it from `@everyone` and show it to its members and the bot. Sends and
member changes to an archived thread unarchive it first, a rename (`forget-me`) archives it again
after; archiving a space archives and locks its thread, or makes its channel read-only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any

import discord
from discord.http import Route, handle_message_parameters

from adapters.discord import ui
from adapters.discord.parse import PLATFORM, is_admin
from core.content import Content
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.markup import defuse_mass_mentions
from core.ports import Capabilities, MessageRef, Unreachable, UserInfo
from core.programs.bindings import Binding, DiscordBinding

log = logging.getLogger(__name__)

PRIVATE_THREAD, TEXT_CHANNEL = 12, 0
VIEW_CHANNEL, SEND_MESSAGES, READ_HISTORY = 1 << 10, 1 << 11, 1 << 16
SEND_IN_THREADS, MANAGE_THREADS, MANAGE_CHANNELS = 1 << 38, 1 << 34, 1 << 4
MEMBER_ALLOW = VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY
BOT_ALLOW = MEMBER_ALLOW | MANAGE_CHANNELS
CANNOT_DM = 50007
THREAD_ARCHIVED = 50083
USER_TTL = 60.0
NAME = 100
TOPIC = 1024
NONCE = 25


def code_of(error: discord.HTTPException) -> int:
    return int(getattr(error, "code", 0) or 0)


def nonce(key: str) -> str:
    """Discord's nonce (≤ 25 characters) for an idempotency key: a retried send posts once."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE]


def split(message_id: str) -> tuple[str, str]:
    channel, _, message = message_id.partition("/")
    return channel, message


def space_name(name: str) -> str:
    flat = "-".join(defuse_mass_mentions(name).lower().split())
    return flat[:NAME] or "match"


class DiscordPort:
    """`ChatPort` for Discord, on one discord.py `Client` (logged in on first use)."""

    def __init__(self, client: discord.Client, token: str, *, command: str = "/mentor") -> None:
        self.client = client
        self._token = token
        self._command = command
        self._dms: dict[str, str] = {}
        self._kinds: dict[str, int] = {}  # space id → thread or text channel
        self._parents: dict[str, str] = {}  # thread id → its channel
        self._by_name: dict[tuple[str, str], str] = {}
        self._users: dict[tuple[str, str], tuple[float, UserInfo]] = {}

    async def http(self) -> discord.http.HTTPClient:
        """discord.py's HTTP client, logged in once (the gateway is the adapter's business)."""
        if self.client.user is None:
            await self.client.login(self._token)
        return self.client.http

    async def bot_id(self) -> str:
        await self.http()
        assert self.client.user is not None
        return str(self.client.user.id)

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(forms=ui.FORM_LIMITS, buttons=True, ephemeral=True)

    @property
    def command(self) -> str:
        return self._command

    def remember_member(self, guild: str, member: dict[str, Any]) -> None:
        """What an interaction says about its member (name, roles, Manage Server): user_info
        then needs no request."""
        user = member.get("user") or {}
        if not user.get("id") or member.get("permissions") is None:
            return
        info = UserInfo(
            display_name=str(
                member.get("nick") or user.get("global_name") or user.get("username") or user["id"]
            ),
            is_admin=is_admin(member.get("permissions")),
            roles=frozenset(str(r) for r in member.get("roles") or ()),
        )
        self._users[(guild, str(user["id"]))] = (time.monotonic() + USER_TTL, info)

    def spaces(self) -> list[str]:
        """The spaces this port made or looked up since it started."""
        return list(self._kinds)

    # --- messages ---------------------------------------------------------------------------

    async def channel_of(self, to: Conversation) -> str:
        """The channel to post in: a DM channel opened (once) for a person."""
        if to.kind is not ConversationKind.DM:
            return to.id
        found = self._dms.get(to.id)
        if found is None:
            http = await self.http()
            opened = await http.start_private_message(int(to.id))
            found = self._dms[to.id] = str(opened["id"])
        return found

    async def post(
        self, channel: str, made: ui.Message, *, key: str | None = None
    ) -> dict[str, Any]:
        http = await self.http()
        file = made.discord_file()
        with handle_message_parameters(
            content=made.content or None,
            view=made.view,
            file=file if file is not None else discord.utils.MISSING,
            allowed_mentions=made.allowed_mentions,
            nonce=nonce(key) if key else None,  # discord.py adds `enforce_nonce` with it
        ) as params:
            return await http.send_message(int(channel), params=params)

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """A message in a person's DM, a match's thread or channel. With an idempotency key
        Discord's `enforce_nonce` returns the first message to a retried send."""
        made = ui.message(content)
        try:
            channel = await self.channel_of(to)
            try:
                sent = await self.post(channel, made, key=idempotency_key)
            except discord.HTTPException as error:
                if code_of(error) != THREAD_ARCHIVED:
                    raise
                await self.unarchive(channel)
                sent = await self.post(channel, made, key=idempotency_key)
        except discord.Forbidden as error:
            if to.kind is ConversationKind.DM and code_of(error) == CANNOT_DM:
                user = PlatformUser(to.platform, to.workspace_id, to.id)
                raise Unreachable(
                    user, "they don't accept direct messages from this server's members (50007)"
                ) from error
            raise
        return MessageRef(to, f"{channel}/{sent['id']}")

    async def update(self, message: MessageRef, content: Content) -> None:
        channel, message_id = split(message.message_id)
        made = ui.message(content)
        http = await self.http()
        with handle_message_parameters(
            content=made.content, view=made.view, allowed_mentions=made.allowed_mentions
        ) as params:
            if made.view is None:
                assert params.payload is not None
                params.payload["components"] = []
            await http.edit_message(int(channel), int(message_id), params=params)

    # --- spaces -----------------------------------------------------------------------------

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        """A private thread in the binding's channel, else a private channel; safe to retry
        (a space of that name this bot made is reused, so a retried commit makes none twice)."""
        place = binding if isinstance(binding, DiscordBinding) else DiscordBinding()
        chosen = space_name(name)
        space = self._by_name.get((workspace_id, chosen)) or await self._existing(
            workspace_id, chosen, place
        )
        if space is None:
            space = await self._make(workspace_id, chosen, topic, place)
        self._by_name[(workspace_id, chosen)] = space
        ref = SpaceRef(PLATFORM, workspace_id, space, chosen)
        await self.add_members(ref, members)
        return ref

    async def _make(self, guild: str, name: str, topic: str, place: DiscordBinding) -> str:
        http = await self.http()
        if place.space_channel:
            route = Route("POST", "/channels/{channel_id}/threads", channel_id=place.space_channel)
            made = await http.request(
                route,
                json={"name": name, "type": PRIVATE_THREAD, "invitable": False},
                reason="mentorbot: a private thread for a match",
            )
            self._parents[str(made["id"])] = place.space_channel
        else:
            bot = await self.bot_id()
            overwrites = [
                {"id": guild, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": bot, "type": 1, "allow": str(BOT_ALLOW), "deny": "0"},
            ]
            options: dict[str, Any] = {
                "name": name,
                "topic": ui.clip(defuse_mass_mentions(topic), TOPIC),
                "permission_overwrites": overwrites,
            }
            if place.space_category:
                options["parent_id"] = place.space_category
            made = await http.create_channel(
                int(guild), TEXT_CHANNEL, reason="mentorbot: a channel for a match", **options
            )
        self._kinds[str(made["id"])] = int(made["type"])
        return str(made["id"])

    async def _existing(self, guild: str, name: str, place: DiscordBinding) -> str | None:
        """The space of that name this bot already made (an earlier try of the same commit)."""
        http = await self.http()
        if place.space_channel:
            active = await http.get_active_threads(int(guild))
            found = [
                t
                for t in active.get("threads") or []
                if t.get("name") == name and str(t.get("parent_id")) == place.space_channel
            ]
        else:
            bot = await self.bot_id()
            channels = await http.get_all_guild_channels(int(guild))
            found = [
                c
                for c in channels
                if c.get("name") == name
                and c.get("type") == TEXT_CHANNEL
                and any(str(o.get("id")) == bot for o in c.get("permission_overwrites") or [])
            ]
        if not found:
            return None
        self._kinds[str(found[0]["id"])] = int(found[0]["type"])
        return str(found[0]["id"])

    async def kind(self, space: str) -> int:
        found = self._kinds.get(space)
        if found is None:
            http = await self.http()
            found = self._kinds[space] = int((await http.get_channel(int(space)))["type"])
        return found

    async def unarchive(self, thread: str) -> None:
        http = await self.http()
        await http.edit_channel(int(thread), archived=False, locked=False)

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        http = await self.http()
        bot = await self.bot_id()
        thread = await self.kind(space.space_id) == PRIVATE_THREAD
        for user in users:
            if user.user_id == bot:
                continue
            if thread:
                try:
                    await http.add_user_to_thread(int(space.space_id), int(user.user_id))
                except discord.HTTPException as error:
                    if code_of(error) != THREAD_ARCHIVED:
                        raise
                    await self.unarchive(space.space_id)
                    await http.add_user_to_thread(int(space.space_id), int(user.user_id))
            else:
                await http.edit_channel_permissions(
                    int(space.space_id), int(user.user_id), str(MEMBER_ALLOW), "0", 1
                )

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        http = await self.http()
        thread = await self.kind(space.space_id) == PRIVATE_THREAD
        for user in users:
            try:
                if thread:
                    await http.remove_user_from_thread(int(space.space_id), int(user.user_id))
                else:
                    await http.delete_channel_permissions(int(space.space_id), int(user.user_id))
            except discord.NotFound:
                continue  # not a member (any more)

    async def archive_space(self, space: SpaceRef) -> None:
        """A thread is archived and locked; a channel becomes read-only for its members."""
        http = await self.http()
        if await self.kind(space.space_id) == PRIVATE_THREAD:
            await http.edit_channel(int(space.space_id), archived=True, locked=True)
            return
        channel = await http.get_channel(int(space.space_id))
        bot = await self.bot_id()
        for overwrite in channel.get("permission_overwrites") or []:
            target = str(overwrite.get("id"))
            if int(overwrite.get("type") or 0) == 1 and target != bot:
                await http.edit_channel_permissions(
                    int(space.space_id),
                    int(target),
                    str(VIEW_CHANNEL | READ_HISTORY),
                    str(SEND_MESSAGES),
                    1,
                )

    async def rename_space(self, space: SpaceRef, name: str, topic: str) -> SpaceRef | None:
        """A new name (and, for a channel, topic), asked for only if it changes anything
        (Discord allows few renames a channel): an archived thread is unarchived for it and
        archived again, locked as it was."""
        http = await self.http()
        chosen = space_name(name)
        found = await http.get_channel(int(space.space_id))
        changes: dict[str, Any] = {"name": chosen}
        if int(found["type"]) != PRIVATE_THREAD:  # threads have no topic
            changes["topic"] = ui.clip(defuse_mass_mentions(topic), TOPIC)
        if any(found.get(k, "") != v for k, v in changes.items()):
            await self._edit_even_archived(found, changes)
        for key, known in list(self._by_name.items()):  # known by its old name no more
            if known == space.space_id:
                del self._by_name[key]
        return dataclasses.replace(space, name=chosen)

    async def _edit_even_archived(self, channel: dict[str, Any], changes: dict[str, Any]) -> None:
        """Edit a channel or thread; an archived thread is unarchived for it, then archived
        and locked again as it was."""
        http = await self.http()
        reason = "mentorbot: a match space renamed"
        metadata = channel.get("thread_metadata") or {}
        if not metadata.get("archived"):
            await http.edit_channel(int(channel["id"]), reason=reason, **changes)
            return
        await self.unarchive(str(channel["id"]))
        try:
            await http.edit_channel(int(channel["id"]), reason=reason, **changes)
        finally:
            locked = bool(metadata.get("locked"))
            await http.edit_channel(int(channel["id"]), archived=True, locked=locked)

    async def user_info(self, user: PlatformUser) -> UserInfo:
        """Name, roles and whether they may Manage Server in the guild (cached for a minute)."""
        key = (user.workspace_id, user.user_id)
        cached = self._users.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        http = await self.http()
        member = await http.get_member(int(user.workspace_id), int(user.user_id))
        guild = await http.get_guild(int(user.workspace_id), with_counts=False)
        roles = {str(r["id"]): int(r.get("permissions") or 0) for r in guild.get("roles") or []}
        held = [str(r) for r in member.get("roles") or ()]
        bits = roles.get(user.workspace_id, 0)  # @everyone's role has the guild's id
        for role in held:
            bits |= roles.get(role, 0)
        owner = str(guild.get("owner_id")) == user.user_id
        self.remember_member(
            user.workspace_id,
            {**member, "permissions": str(bits | (1 << 3 if owner else 0)), "roles": held},
        )
        return self._users[key][1]
