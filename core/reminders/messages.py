"""Messages to people through the outbox: decided in a transaction, delivered by the dispatcher.

A notification (someone asked you to mentor them, a broadcast) or an introduction is not sent
while the event that caused it is handled: `plan_message` writes it to the outbox as a reminder
of kind `message`, due now, in that event's transaction — so it exists exactly when the event
committed — keyed by what caused it (an event, a match) and who it is for. The dispatcher then
delivers it like any reminder: retried with backoff under the same idempotency key, given up
after its attempts, counted. `Outbox.flush` asks the dispatcher to deliver those rows right
after the commit, so people do not wait for the next tick.

The content travels in the row's payload (`encode` / `decode`): `Text` and `Prompt`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

from core.content import Choice, Content, Prompt, Text
from core.identity import Conversation, ConversationKind
from core.reminders.kinds import ReminderKind
from core.reminders.outbox import Reminder, ReminderRepository

log = logging.getLogger(__name__)

MAX_RECIPIENT = 64  # the outbox's recipient column
DeliverNow = Callable[[Collection[str]], Awaitable[object]]


def encode(content: Content) -> dict[str, Any]:
    """A JSON-able form of a message's content (the outbox payload)."""
    if isinstance(content, Text):
        return {"type": "text", "body": content.body}
    if isinstance(content, Prompt):
        return {
            "type": "prompt",
            "id": content.id,
            "text": content.text,
            "choices": [[c.id, c.label] for c in content.choices],
            "multiple": content.multiple,
            "max_choices": content.max_choices,
            "hint": content.hint,
        }
    raise TypeError(f"{type(content).__name__} cannot be sent through the outbox")


def decode(data: dict[str, Any]) -> Content:
    """The content `encode` stored."""
    if data.get("type") == "text":
        return Text(str(data["body"]))
    if data.get("type") == "prompt":
        return Prompt(
            str(data["id"]),
            str(data["text"]),
            tuple(Choice(str(i), str(label)) for i, label in data["choices"]),
            multiple=bool(data.get("multiple")),
            max_choices=data.get("max_choices"),
            hint=data.get("hint"),
        )
    raise ValueError(f"unknown outbox content {data.get('type')!r}")


def encode_conversation(to: Conversation) -> dict[str, str]:
    return {"platform": to.platform, "workspace": to.workspace_id, "kind": to.kind, "id": to.id}


def decode_conversation(data: dict[str, Any]) -> Conversation:
    return Conversation(
        str(data["platform"]),
        str(data["workspace"]),
        ConversationKind(data["kind"]),
        str(data["id"]),
    )


def conversation_recipient(to: Conversation) -> str:
    """The outbox recipient of a conversation: messages to one place go out in order."""
    name = f"{to.kind}:{to.platform}:{to.workspace_id}:{to.id}"
    if len(name) <= MAX_RECIPIENT:
        return name
    return f"{to.kind}:{hashlib.sha256(name.encode()).hexdigest()[:56]}"


def message(
    state_id: int,
    to: Conversation,
    content: Content,
    key: str,
    now: datetime,
    *,
    participant_id: int | None = None,
    match_id: int | None = None,
) -> Reminder:
    """The outbox row of one message, due now."""
    return Reminder(
        kind=ReminderKind.MESSAGE,
        program_state_id=state_id,
        recipient=conversation_recipient(to),
        due_at=now,
        idempotency_key=key,
        participant_id=participant_id,
        match_id=match_id,
        payload={"to": encode_conversation(to), "content": encode(content)},
        platform=to.platform,
    )


async def plan_messages(reminders: ReminderRepository, rows: Collection[Reminder]) -> list[str]:
    """Write messages to the outbox (in the caller's transaction); their idempotency keys."""
    await reminders.plan_many(list(rows))
    return [row.idempotency_key for row in rows]


class Outbox:
    """Delivers planned messages right after their transaction commits.

    The composition root attaches the dispatcher's `deliver_now`; until then (or when it
    fails) the rows simply wait for the dispatcher's next tick.
    """

    def __init__(self) -> None:
        self._deliver_now: DeliverNow | None = None

    def attach(self, deliver_now: DeliverNow) -> None:
        self._deliver_now = deliver_now

    async def flush(self, keys: Collection[str]) -> None:
        if not keys or self._deliver_now is None:
            return
        try:
            await self._deliver_now(keys)
        except Exception:  # the rows are committed: the next tick delivers them
            log.exception("could not deliver %d message(s) right away", len(keys))


__all__ = [
    "DeliverNow",
    "Outbox",
    "conversation_recipient",
    "decode",
    "decode_conversation",
    "encode",
    "encode_conversation",
    "message",
    "plan_messages",
]
