"""The flow harness: drives whole flows through `MentorBot.handle` with the recording `FakeChat`.

`say`/`click`/`submit` act as a person; `enrol` joins with standard answers; `tick` runs the
reminder dispatcher once; `live` lets days pass as a running bot would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import ManualClock
from core.commands import split_command
from core.content import Content, Prompt, Reply, as_text, parse_choice_text
from core.engagement.flow import Engagement
from core.events import ChoiceSelected, CommandInvoked, FormSubmitted, MessageSeen, TextReceived
from core.identity import Conversation, ConversationKind, PlatformUser
from core.markup import LITERAL_CLOSE, LITERAL_OPEN
from core.reminders.dispatcher import Dispatcher
from core.service import MentorBot
from tests.kit.fake_port import FakeChat

ROOT = Path(__file__).resolve().parents[2]


def visible(content: Content) -> str:
    """A content's text fallback in core's markup, without the marks around people's text."""
    return as_text(content).replace(LITERAL_OPEN, "").replace(LITERAL_CLOSE, "")


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Harness:
    """`say` types a line as a person; `click` picks choices; `submit` sends a form."""

    def __init__(
        self, bot: MentorBot, port: FakeChat, clock: ManualClock, workspace: str = "ws1"
    ) -> None:
        self.bot, self.port, self.clock, self.workspace = bot, port, clock, workspace
        self.last: dict[str, Content] = {}
        self.engagement = Engagement(bot.store, bot.ports, bot.programs, clock, bot.rounds)
        # one delivery at a time: the in-memory SQLite store has a single connection
        self.dispatcher = Dispatcher(
            bot.store,
            self.engagement.deliver,
            clock,
            give_up=self.engagement.give_up,
            concurrency=1,
            batch=10,
        )
        bot.outbox.attach(self.dispatcher.deliver_now)

    def user(self, name: str) -> PlatformUser:
        return PlatformUser(self.port.platform, self.workspace, name)

    async def _send(self, name: str, event: Any) -> Reply:
        reply = await self.bot.handle(event)
        for content in reply.messages:
            self.last[name] = content
        return reply

    async def say(self, name: str, text: str) -> str:
        """Type a line; a number answers the last prompt shown, as in a text-only chat."""
        return self.text(await self.say_reply(name, text))

    async def say_reply(self, name: str, text: str) -> Reply:
        """`say`, returning core's reply itself (forms and all)."""
        user = self.user(name)
        where = Conversation.dm(user)
        command = split_command(text, "/mentor")
        last = self.last.get(name)
        if command:
            event: Any = CommandInvoked(
                user, where, command[0], command[1], display_name=name.title()
            )
        elif isinstance(last, Prompt) and (choice := parse_choice_text(last, text)):
            event = ChoiceSelected(user, where, last.id, choice)
        else:
            event = TextReceived(user, where, text)
        return await self._send(name, event)

    async def in_room(self, name: str, space_id: str, text: str) -> None:
        """A member writes in a match's space (counted as activity, never read)."""
        user = self.user(name)
        where = Conversation(self.port.platform, self.workspace, ConversationKind.SPACE, space_id)
        await self.bot.handle(MessageSeen(user, where, self.clock.now()))

    def prompts_in(self, space_id: str) -> list[Prompt]:
        return [
            c
            for w, c in self.port.sent
            if w.id == space_id and w.kind is ConversationKind.SPACE and isinstance(c, Prompt)
        ]

    async def click(self, name: str, *choice_ids: str, prompt_id: str | None = None) -> str:
        last = self.last.get(name)
        prompt = prompt_id or (last.id if isinstance(last, Prompt) else "")
        user = self.user(name)
        event = ChoiceSelected(user, Conversation.dm(user), prompt, tuple(choice_ids))
        return self.text(await self._send(name, event))

    async def submit(self, name: str, form_id: str, values: dict[str, Any]) -> Reply:
        user = self.user(name)
        return await self._send(name, FormSubmitted(user, Conversation.dm(user), form_id, values))

    async def answer_all(self, name: str, answers: Sequence[str]) -> str:
        text = ""
        for answer in answers:
            text = await self.say(name, answer)
        return text

    @staticmethod
    def text(reply: Reply) -> str:
        parts = [visible(c) for c in reply.messages]
        parts.extend(f"{k}: {v}" for k, v in reply.form_errors.items())
        return "\n".join(parts)

    def to(self, name: str) -> list[str]:
        """Texts sent to a person's DMs by the bot (not replies)."""
        return [
            visible(c)
            for where, c in self.port.sent
            if where.kind.value == "dm" and where.id == name
        ]

    def in_space(self, space_id: str) -> list[str]:
        return [
            visible(c)
            for where, c in self.port.sent
            if where.id == space_id and where.kind.value == "space"
        ]

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)


MENTEE_ANSWERS = (
    "1, 2",  # topics_wanted: career, leadership
    "Lead a team within a year.",  # goals
    "skip",  # background (optional)
    "1, 2",  # languages
    "Europe/Madrid",  # timezone
    "2",  # years_experience
    "1",  # communication
    "2",  # availability
    "Engineer in Madrid.",  # bio
)
MENTOR_ANSWERS = (
    "1, 2, 4",  # topics_offered
    "3",  # mentee_capacity
    "1",  # languages
    "+01:00",  # timezone
    "12",  # years_experience
    "1, 3",  # communication
    "2",  # availability
    "Engineering manager.",  # bio
)


async def enrol(harness: Harness, name: str, role: str = "mentee", **typed: str) -> None:
    """Join with the standard answers; `typed` replaces answers by question id."""
    program = harness.bot.default_program
    answers = MENTEE_ANSWERS if role == "mentee" else MENTOR_ANSWERS
    roles = {"mentee": "mentee", "mentor": "mentor"}[role]
    ids = [q.id for q in program.questions if q.ask.value in (roles, "both")]
    lines = [typed.get(qid, answer) for qid, answer in zip(ids, answers, strict=True)]
    await harness.say(name, f"/mentor join {role}")
    await harness.answer_all(name, lines)
    done = await harness.say(name, "1")
    assert "You're enrolled" in done, done


async def tick(harness: Harness) -> None:
    """Run the reminder dispatcher until nothing is due at the harness clock's time."""
    await harness.dispatcher.run_until_idle()


async def live(harness: Harness, days: float, step_hours: float = 6) -> None:
    """Let `days` pass in steps, delivering whatever falls due, as a running bot would."""
    elapsed = timedelta()
    while elapsed < timedelta(days=days):
        step = min(timedelta(hours=step_hours), timedelta(days=days) - elapsed)
        harness.advance(step)
        elapsed += step
        await tick(harness)
