"""A harness that drives whole flows through `MentorBot.handle` with a recording fake port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import ManualClock
from core.commands import split_command
from core.content import Content, Form, Prompt, Reply, as_text, parse_choice_text
from core.engagement.flow import Engagement
from core.events import ChoiceSelected, CommandInvoked, FormSubmitted, MessageSeen, TextReceived
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.ports import Capabilities, MessageRef, Unreachable, UserInfo
from core.reminders.dispatcher import Dispatcher
from core.service import MentorBot

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeChat:
    """A ChatPort that records everything; `admins` are platform admins."""

    caps: Capabilities = field(default_factory=Capabilities)
    admins: set[str] = field(default_factory=set)
    sent: list[tuple[Conversation, Content]] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, MessageRef] = field(default_factory=dict)
    archived: list[SpaceRef] = field(default_factory=list)
    forms: list[tuple[str, Form]] = field(default_factory=list)
    spaces: list[SpaceRef] = field(default_factory=list)
    fail_after_create: int = 0  # the next N create_space calls "crash" after creating
    fail_space_sends: int = 0  # the next N messages into a space fail
    unreachable: dict[str, str] = field(default_factory=dict)  # user id -> why DMs fail
    attempts: list[str | None] = field(default_factory=list)  # every send's idempotency key

    @property
    def platform(self) -> str:
        return "fake"

    @property
    def capabilities(self) -> Capabilities:
        return self.caps

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        self.attempts.append(idempotency_key)
        if idempotency_key is not None and idempotency_key in self.keys:
            return self.keys[idempotency_key]
        if to.kind is ConversationKind.DM and to.id in self.unreachable:
            user = PlatformUser(to.platform, to.workspace_id, to.id)
            raise Unreachable(user, self.unreachable[to.id])
        if to.kind is ConversationKind.SPACE and self.fail_space_sends:
            self.fail_space_sends -= 1
            raise ConnectionError("platform unavailable")
        self.sent.append((to, content))
        ref = MessageRef(to, str(len(self.sent)))
        if idempotency_key is not None:
            self.keys[idempotency_key] = ref
        return ref

    async def update(self, message: MessageRef, content: Content) -> None:
        self.sent.append((message.conversation, content))

    async def open_form(self, interaction: str, form: Form) -> None:
        self.forms.append((interaction, form))

    async def create_space(
        self, workspace_id: str, name: str, topic: str, members: Sequence[PlatformUser]
    ) -> SpaceRef:
        space = next((s for s in self.spaces if s.name == name), None)
        if space is None:  # like the real adapters: creating by name is idempotent
            space = SpaceRef("fake", workspace_id, f"space-{len(self.spaces) + 1}", name)
            self.spaces.append(space)
            self.members[space.space_id] = [m.user_id for m in members]
        if self.fail_after_create:
            self.fail_after_create -= 1
            raise TimeoutError("the platform timed out after creating the space")
        return space

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        return None

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        return None

    async def archive_space(self, space: SpaceRef) -> None:
        self.archived.append(space)

    async def user_info(self, user: PlatformUser) -> UserInfo:
        return UserInfo(user.user_id.title(), is_admin=user.user_id in self.admins)


class Harness:
    """`say` types a line as a person; `click` picks choices; `submit` sends a form."""

    def __init__(self, bot: MentorBot, port: FakeChat, clock: ManualClock) -> None:
        self.bot, self.port, self.clock = bot, port, clock
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
        return PlatformUser("fake", "ws1", name)

    async def _send(self, name: str, event: Any) -> Reply:
        reply = await self.bot.handle(event)
        for content in reply.messages:
            self.last[name] = content
        return reply

    async def say(self, name: str, text: str) -> str:
        """Type a line; a number answers the last prompt shown, as in a text-only chat."""
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
        return self.text(await self._send(name, event))

    async def in_room(self, name: str, space_id: str, text: str) -> None:
        """A member writes in a match's space (counted as activity, never read)."""
        user = self.user(name)
        where = Conversation("fake", "ws1", ConversationKind.SPACE, space_id)
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
        parts = [as_text(c) for c in reply.messages]
        parts.extend(f"{k}: {v}" for k, v in reply.form_errors.items())
        return "\n".join(parts)

    def to(self, name: str) -> list[str]:
        """Texts sent to a person's DMs by the bot (not replies)."""
        return [
            as_text(c)
            for where, c in self.port.sent
            if where.kind.value == "dm" and where.id == name
        ]

    def in_space(self, space_id: str) -> list[str]:
        return [
            as_text(c)
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
