"""Matrix events as core events: pure functions of what the sync loop saw, no SDK.

A room is one of three kinds to the adapter: a person's DM with the bot, a match room the bot
made (a space to core), or any other room it was invited to (a program room, a channel to
core). Commands (`!mentor <verb>`) count everywhere; other text answers the open question in
a DM, is a bare-number answer or activity in a match room, and is ignored elsewhere.
Reactions answer the prompt their message carries: 👍 / 👎 pick the first / second choice
(yes, accept / not yet, decline), keycaps 1️⃣–9️⃣ the numbered one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.commands import split_command
from core.events import ChoiceSelected, CommandInvoked, Event, TextReceived
from core.identity import Conversation, ConversationKind, PlatformUser
from core.ports import MessageRef

PLATFORM = "matrix"
THUMBS_UP, THUMBS_DOWN = "👍", "👎"
KEYCAPS = {f"{n}\ufe0f\u20e3": str(n) for n in range(1, 10)} | {
    f"{n}\u20e3": str(n) for n in range(1, 10)
}


class RoomKind(StrEnum):
    DM = "dm"
    MATCH = "match"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Seen:
    """One message or reaction from the sync loop, already decrypted."""

    room_id: str
    room: RoomKind
    sender: str
    body: str = ""
    display_name: str | None = None
    reacts_to: str | None = None  # the event a reaction annotates
    key: str = ""  # a reaction's key (the emoji)


def workspace_of(user_id: str) -> str:
    """The homeserver name in a user id (`@ana:example.org` → `example.org`): the workspace."""
    return user_id.partition(":")[2]


def conversation(room_id: str, kind: RoomKind, user: PlatformUser) -> Conversation:
    if kind is RoomKind.DM:
        return Conversation.dm(user)
    where = ConversationKind.SPACE if kind is RoomKind.MATCH else ConversationKind.CHANNEL
    return Conversation(PLATFORM, user.workspace_id, where, room_id)


def choice_of(key: str) -> str | None:
    """The choice number a reaction key stands for, if any."""
    key = key.strip()
    if key.startswith(THUMBS_UP):
        return "1"
    if key.startswith(THUMBS_DOWN):
        return "2"
    return KEYCAPS.get(key)


def event_of(seen: Seen, workspace: str, prefix: str) -> Event | None:
    """The core event for what a person did, or None when it is nothing for the bot."""
    user = PlatformUser(PLATFORM, workspace, seen.sender)
    where = conversation(seen.room_id, seen.room, user)
    if seen.reacts_to is not None:
        choice = choice_of(seen.key)
        if choice is None or seen.room is RoomKind.OTHER:
            return None
        message = MessageRef(where, seen.reacts_to)
        return ChoiceSelected(user, where, "", (choice,), message=message)
    command = split_command(seen.body, prefix)
    if command is not None:
        verb, args = command
        return CommandInvoked(user, where, verb, args, display_name=seen.display_name)
    if seen.room is RoomKind.OTHER or not seen.body.strip():
        return None
    return TextReceived(user, where, seen.body, display_name=seen.display_name)
