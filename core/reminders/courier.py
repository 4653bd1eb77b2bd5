"""Sending one outbox message, with the way round a person who cannot be reached by DM.

When a port raises `Unreachable` for a DM, the message goes to the person's match space
instead, addressed to them by name, and the program's coordinators are told — once per person
(an `unreachable` reminder keyed on the program and the person, so a second failed message
plans nothing new). With no match space to fall back on, `Unreachable` propagates: the
dispatcher records the message failed at once, without burning retries on it.
"""

from __future__ import annotations

from collections.abc import Mapping

from core import prompts
from core.clock import Clock
from core.content import Content, Prompt, Text
from core.domain import Participant
from core.identity import Conversation, SpaceRef
from core.ports import ChatPort, Store, Unreachable
from core.reminders.kinds import ReminderKind
from core.reminders.messages import Outbox
from core.reminders.outbox import Reminder


def unreachable_key(state_id: int, error: Unreachable) -> str:
    return f"unreachable:{state_id}:{error.user}"


def addressed(person: Participant, content: Content) -> Content:
    """The content as posted in a match space for someone the bot could not DM."""
    lead = f"*{person.safe_name}*, I couldn't reach you by direct message, so here it is:\n"
    if isinstance(content, Text):
        return Text(lead + content.body)
    if isinstance(content, Prompt):
        return Prompt(
            content.id,
            lead + content.text,
            content.choices,
            multiple=content.multiple,
            max_choices=content.max_choices,
            hint=content.hint,
        )
    return content


class Courier:
    """Sends messages for the dispatcher; see the module doc for unreachable people."""

    def __init__(
        self, store: Store, ports: Mapping[str, ChatPort], clock: Clock, outbox: Outbox
    ) -> None:
        self.store, self.ports, self.clock, self.outbox = store, ports, clock, outbox

    async def send(self, state_id: int, to: Conversation, content: Content, key: str) -> None:
        port, now = self.ports[to.platform], self.clock.now()
        try:
            await prompts.send(port, self.store, to, content, now, idempotency_key=key)
        except Unreachable as error:
            person, space = await self._fall_back(state_id, error)
            await self.outbox.flush([unreachable_key(state_id, error)])  # tell them now
            if person is None or space is None:
                raise
            await self.ports[space.platform].send(
                space.conversation, addressed(person, content), idempotency_key=f"{key}#space"
            )

    async def _fall_back(
        self, state_id: int, error: Unreachable
    ) -> tuple[Participant | None, SpaceRef | None]:
        """Find the person's match space; plan the coordinators' notice (once per person)."""
        async with self.store.transaction() as uow:
            person = await uow.participants.find(state_id, error.user)
            space = None
            if person is not None:
                for match in await uow.matches.for_participant(person.key):
                    if match.space is not None:
                        space = match.space
                        break
            await uow.reminders.plan(
                Reminder(
                    kind=ReminderKind.UNREACHABLE,
                    program_state_id=state_id,
                    recipient=f"program:{state_id}",
                    due_at=self.clock.now(),
                    idempotency_key=unreachable_key(state_id, error),
                    participant_id=person.key if person is not None else None,
                    payload={
                        "name": person.safe_name if person is not None else error.user.user_id,
                        "reason": error.reason[:200],
                        "space": space is not None,
                    },
                )
            )
        return person, space


__all__ = ["Courier", "addressed", "unreachable_key"]
