"""Slack payloads → core events. Pure functions, tested on recorded payloads.

`interaction` (the trigger_id of a command or click) is passed to core as `"<team>|<trigger>"`:
core hands it back unchanged to `open_form`, which then knows the workspace and so the token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.slack.render import ACTION_CHOICE, ACTION_DONE, ACTION_MULTI, FIELD_ACTION
from core.commands import split_command
from core.events import (
    ChoiceSelected,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageSeen,
    TextReceived,
)
from core.identity import Conversation, ConversationKind, PlatformUser
from core.ports import MessageRef

PLATFORM = "slack"
# Message subtypes that are a person writing; joins, topic changes, bot posts are not activity.
PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})

Payload = Mapping[str, Any]


def interaction_token(team_id: str, trigger_id: str | None) -> str | None:
    return f"{team_id}|{trigger_id}" if trigger_id else None


def split_interaction(interaction: str) -> tuple[str, str]:
    """`"T1|123.456.abc"` → (`T1`, `123.456.abc`)."""
    team, sep, trigger = interaction.partition("|")
    if not sep:
        raise ValueError("not a Slack interaction token")
    return team, trigger


def html_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# A person named in a slash command (`/mentor admin rematch @ana`), as Slack sends it when the
# command escapes users: `<@U0123|ana>`. Core reads `@U0123`, the user id it stores.
USER_REFERENCE = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def command_text(raw: str) -> str:
    """A slash command's text as the person meant it: people as `@<user id>`, `&lt;` as `<`."""
    return html_unescape(USER_REFERENCE.sub(r"@\1", raw))


def team_of(body: Payload) -> str:
    """The workspace of a payload: slash commands, interactions and events all spell it apart."""
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or "")


def user_of(body: Payload) -> PlatformUser:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, Mapping) else body.get("user_id")
    return PlatformUser(PLATFORM, team_of(body), str(user_id or ""))


def conversation(team_id: str, channel_id: str, user: PlatformUser) -> Conversation:
    """A DM (`D…`) is addressed by the person, as core expects; anything else by its id."""
    if not channel_id or channel_id.startswith("D"):
        return Conversation.dm(user)
    return Conversation(PLATFORM, team_id, ConversationKind.CHANNEL, channel_id)


def command_event(body: Payload, command: str) -> CommandInvoked:
    """A slash command (`/mentor join mentee`) → `CommandInvoked`.

    `where` is the person's DM with the bot, not the channel they typed in: the bot is usually
    not a member there, so anything core sends "where they acted" later (a commit's progress)
    would fail. The reply itself is shown ephemerally in that channel via `response_url`.
    Slack escapes `&`, `<`, `>` in the text; core gets what the person typed (`command_text`).
    """
    user = user_of(body)
    text = command_text(str(body.get("text") or ""))
    verb, args = split_command(f"{command} {text}", command) or ("help", ())
    return CommandInvoked(
        user=user,
        where=Conversation.dm(user),
        verb=verb,
        args=args,
        display_name=str(body.get("user_name") or "") or None,
        interaction=interaction_token(user.workspace_id, body.get("trigger_id")),
    )


def command_line_event(body: Payload, line: str, command: str) -> CommandInvoked:
    """A button carrying a command line (App Home, "open the form again") → `CommandInvoked`."""
    user = user_of(body)
    verb, args = split_command(f"{command} {line}", command) or ("help", ())
    return CommandInvoked(
        user=user,
        where=Conversation.dm(user),
        verb=verb,
        args=args,
        display_name=_username(body),
        interaction=interaction_token(user.workspace_id, body.get("trigger_id")),
    )


def _username(body: Payload) -> str | None:
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("username") or user.get("name") or "") or None
    return None


@dataclass(frozen=True, slots=True)
class Click:
    """A click on a prompt: the event for core plus what the adapter needs to update the message."""

    event: ChoiceSelected
    labels: tuple[str, ...]


def message_ref(body: Payload, user: PlatformUser) -> MessageRef | None:
    """The clicked message, as `"<channel>/<ts>"`; None for ephemeral messages and views."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    ts = str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")
    if not channel or not ts:
        return None
    return MessageRef(conversation(user.workspace_id, channel, user), f"{channel}/{ts}")


def _selected(value: Payload) -> list[dict[str, Any]]:
    if value.get("selected_options") is not None:
        return list(value["selected_options"])
    if value.get("selected_option"):
        return [value["selected_option"]]
    return []


def click_event(body: Payload) -> Click | None:
    """A click on a prompt's button/select/Done → `ChoiceSelected`; None for other actions."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    action_id = str(action.get("action_id") or "")
    prompt_id = str(action.get("block_id") or "")
    picked: list[dict[str, Any]]
    if action_id == ACTION_DONE:
        state = ((body.get("state") or {}).get("values") or {}).get(prompt_id) or {}
        picked = _selected(state.get(ACTION_MULTI) or {})
    elif action_id.startswith(f"{ACTION_CHOICE}:"):
        if action.get("type") == "button":
            label = ((action.get("text") or {}).get("text")) or str(action.get("value"))
            picked = [{"value": action.get("value"), "text": {"text": label}}]
        else:
            picked = _selected(action)
    else:
        return None
    user = user_of(body)
    channel = str((body.get("channel") or {}).get("id") or "")
    event = ChoiceSelected(
        user=user,
        where=conversation(user.workspace_id, channel, user),
        prompt_id=prompt_id,
        choice_ids=tuple(str(p.get("value")) for p in picked),
        message=message_ref(body, user),
        interaction=interaction_token(user.workspace_id, body.get("trigger_id")),
    )
    labels = tuple(str((p.get("text") or {}).get("text") or p.get("value")) for p in picked)
    return Click(event, labels)


def _field_value(value: Payload) -> Any:
    kind = value.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        return [str(o.get("value")) for o in value.get("selected_options") or []]
    if kind in ("radio_buttons", "static_select"):
        selected = value.get("selected_option")
        return str(selected.get("value")) if selected else None
    raw = value.get("value")
    return raw if raw not in ("", None) else None


def view_values(view: Payload) -> dict[str, Any]:
    """A submitted modal's answers: {field id: value}, as core's `FormSubmitted` wants them."""
    values: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        value = actions.get(FIELD_ACTION) if isinstance(actions, Mapping) else None
        if isinstance(value, Mapping):
            values[str(block_id)] = _field_value(value)
    return values


def at_ts(ts: str) -> datetime:
    """A Slack message timestamp (`"1712345678.000200"`) as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), UTC)


def message_event(
    event: Payload, team_id: str, bot_user_id: str | None = None
) -> MessageSeen | TextReceived | None:
    """A `message` event: in a DM with the bot, typed text for core; elsewhere, activity only.

    Activity keeps the author and the time, never the text.
    """
    if event.get("subtype") not in PERSON_SUBTYPES or event.get("bot_id"):
        return None
    user_id = event.get("user")
    if not user_id or user_id == bot_user_id:
        return None
    user = PlatformUser(PLATFORM, team_id, str(user_id))
    channel = str(event.get("channel") or "")
    if event.get("channel_type") == "im":
        return TextReceived(user, Conversation.dm(user), str(event.get("text") or ""))
    where = Conversation(PLATFORM, team_id, ConversationKind.SPACE, channel)
    return MessageSeen(user, where, at_ts(str(event.get("ts") or "0")))


def member_event(event: Payload, team_id: str) -> MemberJoined | MemberLeft | None:
    user_id, channel = event.get("user"), event.get("channel")
    if not user_id or not channel:
        return None
    user = PlatformUser(PLATFORM, team_id, str(user_id))
    where = Conversation(PLATFORM, team_id, ConversationKind.SPACE, str(channel))
    if event.get("type") == "member_joined_channel":
        return MemberJoined(user, where)
    if event.get("type") == "member_left_channel":
        return MemberLeft(user, where)
    return None
