"""The shell adapter: mentorbot in a terminal, no tokens, one person typing at a time.

Modelled on the console back-ends of chat-bot frameworks. Lines starting with the command
(`/mentor …`) are commands; `/as`, `/dm`, `/room`, `/users`, `/advance`, `/quit` and `/help`
are meta-commands of the shell itself (another `/word` is answered by the shell as unknown);
anything else goes to mentorbot as typed text, which answers the conversation's latest question
(core finds it in its prompt registry, so this works after a restart too). Works with piped
stdin, echoing every line so the transcript reads like a chat.

Private replies (personal data) are shown in the person's DM view, never in the room they typed
in; files are written under `files_dir` and shown by their path.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from adapters.shell.render import render
from adapters.shell.runner import LineReader, interact, play
from core.adapter import AdapterServices
from core.clock import ManualClock
from core.commands import split_command
from core.content import Content, File, as_text
from core.durations import InvalidDuration, describe_duration, parse_duration
from core.events import CommandInvoked, Event, TextReceived
from core.identity import Conversation, ConversationKind, PlatformUser, SpaceRef
from core.ports import Capabilities, ChatPort, MessageRef, UserInfo
from core.programs.bindings import Binding

log = logging.getLogger(__name__)

PLATFORM = "shell"
WORKSPACE = "local"
DEFAULT_FILES_DIR = Path("mentorbot-files")
META_HELP = """Shell commands:
  /as <name>        switch to another person (created on first use)
  /dm               talk to the bot in your direct messages
  /room <name>      type in a room (private spaces of matches appear as rooms)
  /users            who is here, and which rooms exist
  /advance <time>   move the clock forward (e.g. 2d, 14d, 3h) and fire what is due
  /quit             leave the shell
Everything starting with {command} is a mentorbot command; try `{command} help`."""
UNKNOWN_META = "  I don't know the shell command {word} — /help lists them."
_SHELL_WORD = re.compile(r"/[^\s/]+")  # `/foo`; `/usr/local` is text (an answer, say)
NO_MANUAL_CLOCK = (
    "  /advance needs the demo clock: it runs in `mentorbot demo`, or with "
    "MENTORBOT_CLOCK=manual (this bot follows the real time)."
)


@dataclass(frozen=True, slots=True)
class ShellConfig:
    """The shell's settings: the command word, a scripted tour to play before the prompt, and
    where files the bot sends are written.

    `interactive`: None asks the terminal (a prompt when stdin is a TTY, echoed lines when piped).
    """

    command: str = "/mentor"
    tour: Sequence[str] = ()
    interactive: bool | None = None
    files_dir: Path = DEFAULT_FILES_DIR


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
    # people this process has shown something to, or who typed here: the others, coming back
    # after a restart, are shown what they still have to answer
    seen: set[str] = field(default_factory=set)


class ShellAdapter:
    """A `ChatPort` that prints to a writer, and a line interpreter that turns input into events.

    As an `Adapter`, `start` plays the tour, then reads lines (from a terminal or a pipe) on the
    event loop until end of input or `/quit`, and then asks the bot to stop.
    """

    def __init__(
        self,
        write: Callable[[str], None] = print,
        config: ShellConfig | None = None,
        stdin: TextIO | None = None,
    ) -> None:
        self._write = write
        self.config = config or ShellConfig()
        self._command = self.config.command
        self._stdin = stdin if stdin is not None else sys.stdin
        self._files_dir = self.config.files_dir
        self._ids = itertools.count(1)
        self.state = ShellState()
        self._services: AdapterServices | None = None
        self._session: asyncio.Task[None] | None = None

    # --- Adapter ------------------------------------------------------------------------------

    @property
    def port(self) -> ChatPort:
        return self

    @property
    def singleton(self) -> bool:
        """Local to the process: each instance has its own terminal."""
        return False

    async def start(self, services: AdapterServices) -> None:
        self._services = services
        await self._load_rooms()
        self._session = asyncio.create_task(self._run(services), name="shell-session")

    async def close(self) -> None:
        if self._session is not None and not self._session.done():
            self._session.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._session
        self._session = None

    async def _run(self, services: AdapterServices) -> None:
        """Tour, then the prompt; the process stops when the person is done."""
        try:
            tour = self.config.tour
            await play(self, tour, self._write)
            tty = (
                self._stdin.isatty() if self.config.interactive is None else self.config.interactive
            )
            if tty and tour:
                self._write("\nYour turn. /help lists the shell's commands; /quit leaves.")
            if tty or not tour:
                reader = LineReader(self._stdin, interactive=tty)
                await interact(self, reader, self._write, echo=not tty)
        except Exception:
            log.exception("shell: the session failed")
        services.stop()

    @property
    def services(self) -> AdapterServices:
        if self._services is None:
            raise RuntimeError("the shell adapter is not started (no services yet)")
        return self._services

    # --- ChatPort ---------------------------------------------------------------------------

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    @property
    def command(self) -> str:
        return self._command

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

    async def create_space(
        self,
        workspace_id: str,
        name: str,
        topic: str,
        members: Sequence[PlatformUser],
        *,
        binding: Binding | None = None,
    ) -> SpaceRef:
        names = [m.user_id for m in members]
        existing = self.state.rooms.get(name)
        if existing is not None:  # only the bot makes rooms here: same name, same space
            return SpaceRef(PLATFORM, workspace_id, name, name)
        self.state.rooms[name] = Room(name, topic, names)
        for person in names:
            self._meet(person)
        self._write(f"📁 private room #{name} created for {', '.join(names)} — {render(topic)}")
        return SpaceRef(PLATFORM, workspace_id, name, name)

    async def add_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        room = await self._room_of(space)
        room.members.extend(u.user_id for u in users if u.user_id not in room.members)

    async def remove_members(self, space: SpaceRef, users: Sequence[PlatformUser]) -> None:
        room = await self._room_of(space)
        room.members[:] = [m for m in room.members if m not in {u.user_id for u in users}]

    async def rename_space(self, space: SpaceRef, name: str, topic: str) -> SpaceRef | None:
        """A room's name is its id here (how people `/room` into it): only the topic changes."""
        (await self._room_of(space)).topic = topic
        self._write(f"✏️  room #{space.space_id} has a new topic — {render(topic)}")
        return SpaceRef(PLATFORM, space.workspace_id, space.space_id, name)

    async def archive_space(self, space: SpaceRef) -> None:
        (await self._room_of(space)).archived = True
        self._write(f"🗄  room #{space.space_id} archived")

    async def _room_of(self, space: SpaceRef) -> Room:
        """The room of a space core knows, even one made before this process started."""
        if space.space_id not in self.state.rooms:
            await self._load_rooms()
        room = self.state.rooms.get(space.space_id)
        if room is None:  # core knows a space the database does not list: keep it anyway
            room = self.state.rooms[space.space_id] = Room(space.space_id, space.name, [])
        return room

    async def _load_rooms(self) -> None:
        """Learn the rooms made by earlier runs (match spaces, from the bot's database)."""
        if self._services is None:
            return
        for info in await self._services.spaces(PLATFORM, WORKSPACE):
            name = info.space.space_id
            if name not in self.state.rooms:
                self.state.rooms[name] = Room(name, info.topic, list(info.members), info.archived)
            for person in info.members:
                self._meet(person)

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
        if _SHELL_WORD.fullmatch(word) and split_command(text, self._command) is None:
            self._write(UNKNOWN_META.format(word=meta[0]))  # a typo, not an answer for the bot
            return True
        await self._dispatch(text)
        return True

    async def _dispatch(self, text: str) -> None:
        handle = self.services.handle
        user, where = self.user(), self._conversation()
        display = user.user_id.capitalize()
        command = split_command(text, self._command)
        event: Event
        if command is not None:
            verb, args = command
            event = CommandInvoked(user, where, verb, args, display_name=display)
        else:  # an answer, or chat between a match's members (counted, never kept)
            event = TextReceived(user, where, text, display_name=display)
        reply = await handle(event)
        shown = where
        if reply.private and where.kind is not ConversationKind.DM and reply.messages:
            shown = Conversation.dm(user)  # personal data never lands in a shared room
            self._write(f"  (mentorbot answered {user.user_id} privately — /dm to see it there)")
        for content in reply.messages:
            self._show(shown, content)
        for field_id, error in reply.form_errors.items():
            self._write(f"  ⚠️  {field_id}: {error}")

    def _show(self, to: Conversation, content: Content, *, updated: bool = False) -> None:
        if to.kind is ConversationKind.DM:
            self.state.seen.add(to.id)
            header = f"mentorbot → {to.id}"
        else:
            header = f"mentorbot in #{to.id}"
        if isinstance(content, File):
            path = self._save(content)
            about = f" — {render(content.alt_text)}" if content.alt_text else ""
            body = f"📎 {render(content.name)}{about} ({len(content.data):,} bytes): {path}"
        else:
            body = render(as_text(content)).replace("\n", "\n  ")
        self._write(f"  {header}{' (updated)' if updated else ''}: {body}")

    def _save(self, file: File) -> Path:
        """Write the file under `files_dir`, never over an earlier one (`name-2.csv`, …)."""
        self._files_dir.mkdir(parents=True, exist_ok=True)
        safe = "".join(ch for ch in file.name if ch.isprintable()).lstrip(".") or "file"
        path = self._files_dir / safe
        stem, suffix = path.stem, path.suffix
        for number in itertools.count(2):
            if not path.exists():
                break
            path = self._files_dir / f"{stem}-{number}{suffix}"
        path.write_bytes(file.data)
        return path.resolve()

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
        if cleaned not in self.state.seen and self._services is not None:
            self.state.seen.add(cleaned)  # back after a restart: what is still open
            dm = Conversation.dm(self.user())
            for content in await self._services.pending(self.user()):
                self._show(dm, content)

    async def _dm(self, _: str) -> None:
        self.state.room = None
        self._write(f"  ({self.state.current} is in their DMs with mentorbot)")

    async def _room(self, name: str) -> None:
        if name.lstrip("#") not in self.state.rooms:
            await self._load_rooms()
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
        await self._load_rooms()
        people = ", ".join(self.state.people) or "nobody yet"
        self._write(f"  People: {people}")
        for room in self.state.rooms.values():
            flag = " (archived)" if room.archived else ""
            self._write(f"  #{room.name}{flag}: {', '.join(room.members)}")

    async def _advance(self, text: str) -> None:
        clock = self.services.clock
        if not isinstance(clock, ManualClock):
            self._write(NO_MANUAL_CLOCK)
            return
        try:
            delta: timedelta = parse_duration(text)
        except InvalidDuration as error:
            self._write(f"  {error}")
            return
        now = clock.advance(delta)
        self._write(f"  ⏩ {describe_duration(delta)} later: {now:%a %d %b %Y %H:%M} UTC")
        await self.services.run_due()

    async def _help(self, _: str) -> None:
        self._write(META_HELP.format(command=self._command))
