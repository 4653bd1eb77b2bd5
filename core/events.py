"""Inbound events: what adapters tell core. Parsed from platform payloads by pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.identity import Conversation, PlatformUser
from core.ports import MessageRef


@dataclass(frozen=True, slots=True)
class CommandInvoked:
    """`/mentor <verb> <args>` (or `!mentor …`)."""

    user: PlatformUser
    where: Conversation
    verb: str
    args: tuple[str, ...] = ()
    display_name: str | None = None
    interaction: str | None = None  # e.g. Slack trigger_id, to open a form in reply


@dataclass(frozen=True, slots=True)
class TextReceived:
    """A message to the bot that is not a command: the typed answer to a question."""

    user: PlatformUser
    where: Conversation
    text: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class ChoiceSelected:
    """A button, select or reaction. A reaction carries `message` and an empty `prompt_id`
    (with `choice_ids` such as `("2",)`): core finds the prompt in its prompt registry."""

    user: PlatformUser
    where: Conversation
    prompt_id: str
    choice_ids: tuple[str, ...]
    message: MessageRef | None = None
    interaction: str | None = None


@dataclass(frozen=True, slots=True)
class FormSubmitted:
    user: PlatformUser
    where: Conversation
    form_id: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageSeen:
    """A message in a match space: only who and when, never the text."""

    user: PlatformUser
    where: Conversation
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberJoined:
    user: PlatformUser
    where: Conversation


@dataclass(frozen=True, slots=True)
class MemberLeft:
    user: PlatformUser
    where: Conversation


Event = (
    CommandInvoked
    | TextReceived
    | ChoiceSelected
    | FormSubmitted
    | MessageSeen
    | MemberJoined
    | MemberLeft
)
