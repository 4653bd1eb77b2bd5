"""Every prompt core shows is recorded in the prompt registry, so answers outlive a restart.

Two ways a prompt reaches a person: in the reply to their own event (the adapter shows it;
`record_reply` runs inside the event's transaction) or sent by core itself through a port
(`send`: the platform's message reference is known, so a reaction to it finds it too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.content import Content, Prompt
from core.identity import Conversation
from core.ports import ChatPort, MessageRef, SentPrompt, Store, UnitOfWork


def sent_prompt(
    where: Conversation, prompt: Prompt, at: datetime, message_id: str | None = None
) -> SentPrompt:
    return SentPrompt(
        conversation=where,
        prompt_id=prompt.id,
        choices=prompt.choices,
        sent_at=at,
        multiple=prompt.multiple,
        max_choices=prompt.max_choices,
        message_id=message_id,
    )


async def record_reply(
    uow: UnitOfWork, where: Conversation, contents: Iterable[Content], at: datetime
) -> None:
    """Record the prompts of a reply shown in `where` (inside the event's transaction)."""
    for content in contents:
        if isinstance(content, Prompt):
            await uow.prompts.record(sent_prompt(where, content, at))


async def send(
    port: ChatPort,
    store: Store,
    to: Conversation,
    content: Content,
    at: datetime,
    *,
    idempotency_key: str | None = None,
) -> MessageRef:
    """`port.send`, then, for a prompt, its record with the message that carries it.

    Call it outside any transaction: the record is written in a transaction of its own.
    """
    ref = await port.send(to, content, idempotency_key=idempotency_key)
    if isinstance(content, Prompt):
        async with store.transaction() as uow:
            await uow.prompts.record(sent_prompt(to, content, at, ref.message_id))
    return ref
