"""Discord gateway payloads → core events. Pure functions, tested on recorded payloads.

The workspace of everything is the guild. A DM carries no guild: the adapter passes the guild
it last saw the person in (or its only guild).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.discord import commands, ids
from core.events import ChoiceSelected, CommandInvoked, MessageSeen, TextReceived
from core.identity import Conversation, ConversationKind, PlatformUser
from core.ports import MessageRef

PLATFORM = "discord"
APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5
BUTTON = 2
DM_CHANNEL, GROUP_DM = 1, 3
EPHEMERAL = 1 << 6
ADMINISTRATOR, MANAGE_GUILD = 1 << 3, 1 << 5
EPOCH_MS = 1420070400000

Payload = Mapping[str, Any]


def author_of(payload: Payload) -> Mapping[str, Any]:
    """The user of an interaction: `member.user` in a guild, `user` in a DM."""
    member = payload.get("member") or {}
    return member.get("user") or payload.get("user") or payload.get("author") or {}


def display_name(payload: Payload) -> str | None:
    member = payload.get("member") or {}
    user = author_of(payload)
    name = member.get("nick") or user.get("global_name") or user.get("username")
    return str(name) if name else None


def is_admin(permissions: str | int | None) -> bool:
    """Manage Server or Administrator, from a permissions bit set."""
    bits = int(permissions or 0)
    return bool(bits & (ADMINISTRATOR | MANAGE_GUILD))


def guild_of(payload: Payload, fallback: str | None) -> str:
    return str(payload.get("guild_id") or fallback or "")


def user_of(payload: Payload, guild: str) -> PlatformUser:
    return PlatformUser(PLATFORM, guild, str(author_of(payload).get("id") or ""))


def channel_id(payload: Payload) -> str:
    return str(payload.get("channel_id") or (payload.get("channel") or {}).get("id") or "")


def in_dm(payload: Payload) -> bool:
    channel = payload.get("channel") or {}
    return not payload.get("guild_id") or channel.get("type") in (DM_CHANNEL, GROUP_DM)


def command_event(payload: Payload, guild: str) -> CommandInvoked:
    """`/mentor verb options…` → `CommandInvoked`, `where` being the person's DM (the bot may
    not see the channel; the reply is shown ephemerally where they typed)."""
    user = user_of(payload, guild)
    verb, args = commands.read(payload.get("data") or {})
    return CommandInvoked(
        user=user,
        where=Conversation.dm(user),
        verb=verb,
        args=args,
        display_name=display_name(payload),
        interaction=str(payload.get("id") or "") or None,
    )


def where_of(payload: Payload, user: PlatformUser) -> Conversation:
    """A DM (or an ephemeral message) is the person's DM; a guild channel or thread where the
    bot posted a prompt is a match's space (it posts nowhere else)."""
    channel = channel_id(payload)
    if in_dm(payload) or not channel:
        return Conversation.dm(user)
    message = payload.get("message") or {}
    if int(message.get("flags") or 0) & EPHEMERAL:
        return Conversation.dm(user)
    return Conversation(PLATFORM, user.workspace_id, ConversationKind.SPACE, channel)


def message_ref(payload: Payload, where: Conversation) -> MessageRef | None:
    """The clicked message as `channel/message`; None for ephemeral messages."""
    message = payload.get("message") or {}
    if not message.get("id") or int(message.get("flags") or 0) & EPHEMERAL:
        return None
    return MessageRef(where, f"{channel_id(payload)}/{message['id']}")


@dataclass(frozen=True, slots=True)
class Click:
    """A click on a prompt: the event for core and the labels picked (to show the answer)."""

    event: ChoiceSelected
    labels: tuple[str, ...]


def _labels(payload: Payload, custom_id: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """The labels of what was picked, from the clicked message's own components."""
    found: list[str] = []
    for row in (payload.get("message") or {}).get("components") or []:
        for item in row.get("components") or []:
            if item.get("custom_id") != custom_id:
                continue
            if item.get("type") == BUTTON:
                return (str(item.get("label") or values[0]),)
            for option in item.get("options") or []:
                if option.get("value") in values:
                    found.append(str(option.get("label")))
    return tuple(found) or values


def click_event(payload: Payload, guild: str) -> Click | None:
    """A prompt's button or select → `ChoiceSelected`; None for other components."""
    data = payload.get("data") or {}
    custom_id = str(data.get("custom_id") or "")
    parsed = ids.parse(custom_id)
    if not parsed.prompt_id:
        return None
    if parsed.choice_id is not None:
        values: tuple[str, ...] = (parsed.choice_id,)
    else:
        values = tuple(str(v) for v in data.get("values") or ())
    user = user_of(payload, guild)
    where = where_of(payload, user)
    event = ChoiceSelected(
        user=user,
        where=where,
        prompt_id=parsed.prompt_id,
        choice_ids=values,
        message=message_ref(payload, where),
        interaction=str(payload.get("id") or "") or None,
    )
    return Click(event, _labels(payload, custom_id, values))


def snowflake_time(snowflake: str) -> datetime:
    """When a Discord id was made (message ids carry their creation time)."""
    return datetime.fromtimestamp(((int(snowflake) >> 22) + EPOCH_MS) / 1000, UTC)


def message_event(
    payload: Payload, guild: str, bot_id: str | None, spaces: frozenset[str]
) -> MessageSeen | TextReceived | None:
    """MESSAGE_CREATE: in a DM, typed text for core; in a match space, activity (who and when,
    never the text); anything else (bots, other channels, system messages) is ignored."""
    author = payload.get("author") or {}
    if author.get("bot") or not author.get("id") or str(author.get("id")) == bot_id:
        return None
    if int(payload.get("type") or 0) not in (0, 19):  # default and reply: a person writing
        return None
    user = PlatformUser(PLATFORM, guild, str(author["id"]))
    if not payload.get("guild_id"):
        return TextReceived(user, Conversation.dm(user), str(payload.get("content") or ""))
    channel = channel_id(payload)
    if channel not in spaces:
        return None
    where = Conversation(PLATFORM, guild, ConversationKind.SPACE, channel)
    return MessageSeen(user, where, snowflake_time(str(payload.get("id") or "0")))
