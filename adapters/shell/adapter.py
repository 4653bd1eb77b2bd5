"""The shell adapter: mentorbot in a terminal, no tokens, one person typing at a time.

Modelled on the console back-ends of chat-bot frameworks. Lines starting with the command
(`/mentor …`) are commands; `/as`, `/dm`, `/room`, `/users`, `/advance`, `/quit` and `/help`
are meta-commands of the shell itself; anything else goes to mentorbot as typed text, which
answers the conversation's latest question (core finds it in its prompt registry, so this works
after a restart too). Works with piped stdin, echoing every line so the transcript reads
like a chat.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from core.clock import ManualClock
from core.commands import split_command
from core.content import Content, Form, Reply, as_text, plain
from core.durations import InvalidDuration, describe_duration, parse_duration
from core.events import CommandInvoked, Event, TextReceived
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.ports import Capabilities, MessageRef, UserInfo

PLATFORM = "shell"
WORKSPACE = "local"
META_HELP = """Shell commands:
  /as <name>        switch to another person (created on first use)
  /dm               talk to the bot in your direct messages
  /room <name>      type in a room (private spaces of matches appear as rooms)
  /users            who is here, and which rooms exist
  /advance <time>   move the clock forward (e.g. 2d, 14d, 3h) and fire what is due
  /quit             leave the shell
Everything starting with {command} is a mentorbot command; try `{command} help`."""

Handler = Callable[[Event], Awaitable[Reply]]
Tick = Callable[[], Awaitable[object]]


@dataclass(slots=True)
class Room:
    name: str
    topic: str
    members: list[str]
    archived: bool = False


@dataclass(slots=True)
class ShellState:
    """Who is typing where, the rooms, and messages already sent (by idempotency key)."""

    current: str = "you"
    room: str | None = None
    rooms: dict[str, Room] = field(default_factory=dict)
    people: list[str] = field(default_factory=list)
    delivered: dict[str, MessageRef] = field(default_factory=dict)


class ShellAdapter:
    """A `ChatPort` that prints to a writer, and a line interpreter that turns input into events."""

    def __init__(
        self,
        write: Callable[[str], None],
        clock: ManualClock,
        command: str = "/mentor",
    ) -> None:
        self._write = write
        self._clock = clock
        self._command = command
        self._ids = itertools.count(1)
        self.state = ShellState()
        self.handler: Handler | None = None
        self.tick: Tick | None = None

    # --- ChatPort ---------------------------------------------------------------------------

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def send(
        self, to: Conversation, content: Content, *, idempotency_key: str | None = None
    ) -> MessageRef:
        if idempotency_key is not None and idempotency_key in self.state.delivered:
            return self.state.delivered[idempotency_key]  # a retried send is shown once
        self._show(to, content)
        ref = MessageRef(to, str(next(self._ids)))
        if idempotency_key is not None:
            self.state.delivered[idempotency_key] = ref
        return ref

    async def update(self, message: MessageRef, content: Content) -> None:
        self._show(message.conversation, content, updated=True)

    async def open_form(self, interaction: str, form: Form) -> None:
        self._write(plain(as_text(form)))

    async def create_space(
        self, workspace_id: str, name: str, topic: str, members: Sequence[PlatformUser]
    ) -> SpaceRef:
        names = [m.user_id for m in members]
        existing = self.state.rooms.get(name)
        if existing is not None:  # only the bot makes rooms here: same name, same space
            return SpaceRef(PLATFORM, workspace_id, name, name)
        self.state.rooms[name] = Room(name, topic, names)
        for person in names:
            self._meet(person)
        self._write(f"📁 private room #{name} created for {', '.join(names)} — {topic}")
        return SpaceRef(PLATFORM, workspace_id, name, name)

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        room = self.state.rooms[space.space_id]
        room.members.extend(u.user_id for u in users if u.user_id not in room.members)

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        room = self.state.rooms[space.space_id]
        room.members[:] = [m for m in room.members if m not in {u.user_id for u in users}]

    async def archive_space(self, space: SpaceRef) -> None:
        self.state.rooms[space.space_id].archived = True
        self._write(f"🗄  room #{space.space_id} archived")

    async def user_info(self, user: PlatformUser) -> UserInfo:
        return UserInfo(display_name=user.user_id.capitalize())

    # --- input --------------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        where = f"#{self.state.room}" if self.state.room else "dm"
        return f"{self.state.current}@{where}> "

    def user(self, name: str | None = None) -> PlatformUser:
        return PlatformUser(PLATFORM, WORKSPACE, name or self.state.current)

    def _conversation(self) -> Conversation:
        if self.state.room:
            return Conversation(PLATFORM, WORKSPACE, ConversationKind.SPACE, self.state.room)
        return Conversation.dm(self.user())

    async def feed(self, line: str) -> bool:
        """Interpret one line of input; False when the person asked to quit."""
        text = line.strip()
        if not text:
            return True
        meta = text.split(maxsplit=1)
        word, rest = meta[0].lower(), (meta[1] if len(meta) > 1 else "")
        if word == "/quit":
            return False
        handlers = {
            "/as": self._as,
            "/dm": self._dm,
            "/room": self._room,
            "/users": self._users,
            "/advance": self._advance,
            "/help": self._help,
        }
        if word in handlers:
            await handlers[word](rest.strip())
            return True
        await self._dispatch(text)
        return True

    async def _dispatch(self, text: str) -> None:
        if self.handler is None:
            raise RuntimeError("the shell adapter is not connected to mentorbot")
        user, where = self.user(), self._conversation()
        display = user.user_id.capitalize()
        command = split_command(text, self._command)
        event: Event
        if command is not None:
            verb, args = command
            event = CommandInvoked(user, where, verb, args, display_name=display)
        else:  # an answer, or chat between a match's members (counted, never kept)
            event = TextReceived(user, where, text, display_name=display)
        reply = await self.handler(event)
        for content in reply.messages:
            self._show(where, content)
        for field_id, error in reply.form_errors.items():
            self._write(f"  ⚠️  {field_id}: {error}")

    def _show(self, to: Conversation, content: Content, *, updated: bool = False) -> None:
        if to.kind is ConversationKind.DM:
            header = f"mentorbot → {to.id}"
        else:
            header = f"mentorbot in #{to.id}"
        body = plain(as_text(content)).replace("\n", "\n  ")
        self._write(f"  {header}{' (updated)' if updated else ''}: {body}")

    def _meet(self, name: str) -> None:
        if name not in self.state.people:
            self.state.people.append(name)

    async def _as(self, name: str) -> None:
        cleaned = name.strip().lower()
        if not cleaned or not cleaned.replace("-", "").replace("_", "").isalnum():
            self._write("  Usage: /as <name> — letters, digits, '-' and '_' only.")
            return
        self.state.current, self.state.room = cleaned, None
        self._meet(cleaned)
        self._write(f"  (you are now {cleaned}, in your DMs with mentorbot)")

    async def _dm(self, _: str) -> None:
        self.state.room = None
        self._write(f"  ({self.state.current} is in their DMs with mentorbot)")

    async def _room(self, name: str) -> None:
        room = self.state.rooms.get(name.lstrip("#"))
        if room is None:
            known = ", ".join(f"#{r}" for r in self.state.rooms) or "none yet"
            self._write(f"  There is no room {name!r}. Rooms: {known}")
        elif self.state.current not in room.members:
            self._write(f"  #{room.name} is private to {', '.join(room.members)}.")
        else:
            self.state.room = room.name
            self._write(f"  ({self.state.current} is in #{room.name}: {room.topic})")

    async def _users(self, _: str) -> None:
        people = ", ".join(self.state.people) or "nobody yet"
        self._write(f"  People: {people}")
        for room in self.state.rooms.values():
            flag = " (archived)" if room.archived else ""
            self._write(f"  #{room.name}{flag}: {', '.join(room.members)}")

    async def _advance(self, text: str) -> None:
        try:
            delta: timedelta = parse_duration(text)
        except InvalidDuration as error:
            self._write(f"  {error}")
            return
        now = self._clock.advance(delta)
        self._write(f"  ⏩ {describe_duration(delta)} later: {now:%a %d %b %Y %H:%M} UTC")
        if self.tick is not None:
            await self.tick()

    async def _help(self, _: str) -> None:
        self._write(META_HELP.format(command=self._command))
