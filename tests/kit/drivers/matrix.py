"""The Matrix adapter driven through a real Synapse: people type and react in encrypted rooms
with their own nio clients, and read what their clients decrypted.

A person's DM is the direct room the bot shares with them alone; a space is a match room the
bot made (named, unlike a DM; after a kick it may hold one member). Each program is bound to a
program room: Cora makes the first one's (so she coordinates it, at power level 100), Dee each
further one's (so she coordinates those only). A file the bot sends (`my-data`) is fetched and
decrypted by the person's client. Choices are picked by reacting with the numbered keycap, as
someone on Element would; everything else is typed. `say` waits until the bot has handled the
message and every client has caught up, then returns what the bot showed the person meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from nio import MatrixRoom

from core.clock import ManualClock
from core.programs.program import Program
from tests.kit.drivers.base import Answers, Joined, Space, join_by_typing
from tests.kit.matrix.fixtures import MATRIX_TEST_TIMEOUT
from tests.kit.matrix.person import Person, Shown
from tests.kit.matrix.synapse import Synapse
from tests.kit.matrix.world import PREFIX, World
from tests.kit.settings import ROOT

KEYCAP = "\ufe0f\u20e3"
NAMES = {"ana": "Ana", "ben": "Ben", "cora": "Cora", "cy": "Cy", "dee": "Dee"}


class MatrixDriver:
    platform = "matrix"
    lacks: frozenset[str] = frozenset()
    fixtures: ClassVar[dict[str, str]] = {"synapse": "synapse", "directory": "tmp_path"}
    """The pytest fixtures the constructor takes beyond every driver's arguments, by keyword."""
    timeout = MATRIX_TEST_TIMEOUT  # seconds, for a test on it (see `drivers.platforms`)

    def __init__(
        self,
        database_url: str,
        program: Program,
        clock: ManualClock,
        programs: Sequence[Path] = (),
        *,
        synapse: Synapse,
        directory: Path,
    ) -> None:
        self.synapse, self.directory = synapse, directory
        self.database_url, self.program, self.clock = database_url, program, clock
        self.programs = list(programs) or [ROOT / "programs" / "default.yaml"]
        self.world: World | None = None

    async def start(self) -> MatrixDriver:
        self.world = world = await World.create(self.synapse, self.directory, NAMES)
        for number, path in enumerate(self.programs):
            await world.bind(path, "cora" if number == 0 else "dee")
        world.program_room = world.bound[0][1]
        await world.start_bot(self.database_url, self.clock)
        return self

    async def close(self) -> None:
        if self.world is not None:
            await self.world.close()

    async def restart(self) -> None:
        world = self._world
        await world.stop_bot()
        await world.start_bot(self.database_url, self.clock)

    @property
    def _world(self) -> World:
        assert self.world is not None
        return self.world

    def _person(self, who: str) -> Person:
        return self._world.people[who]

    # --- rooms as the person's client shows them ----------------------------------------------

    def _is_space(self, room: MatrixRoom) -> bool:
        """A match room: named (by the bot), unlike a DM, and no program's room."""
        return room.name is not None and room.room_id not in self._world.program_rooms

    def _dm(self, who: str) -> str | None:
        person, bot = self._person(who), self._world.bot.user_id
        rooms = [
            r
            for r in person.client.rooms.values()
            if set(r.users) == {person.user_id, bot}
            and not self._is_space(r)
            and r.room_id not in self._world.program_rooms
        ]
        return rooms[-1].room_id if rooms else None

    def _bot_said(self, who: str, room_id: str | None) -> list[Shown]:
        if room_id is None:
            return []
        bot = self._world.bot.user_id
        return [s for s in self._person(who).rooms.get(room_id, []) if s.sender == bot]

    def _visible(self, who: str, in_space: str | None) -> list[Shown]:
        shown = self._bot_said(who, self._dm(who))
        if in_space is not None:
            shown += self._bot_said(who, in_space)
        return shown

    # --- acting ------------------------------------------------------------------------------

    async def _dm_room(self, who: str) -> str:
        room = self._dm(who)
        if room is None:
            room = await self._person(who).open_dm(self._world.bot.user_id)
            await self._world.settle()
        return room

    async def say(self, who: str, line: str, *, in_space: str | None = None) -> str:
        text = PREFIX + line[len("/mentor") :] if line.startswith("/mentor") else line
        room = in_space if in_space is not None else await self._dm_room(who)
        before = {s.event_id for s in self._visible(who, in_space)}
        sent = await self._person(who).say(room, text)
        await self._world.settle(sent)
        return self._new(who, in_space, before)

    def _new(self, who: str, in_space: str | None, before: set[str]) -> str:
        return "\n".join(s.body for s in self._visible(who, in_space) if s.event_id not in before)

    async def click(self, who: str, label: str, *, in_space: str | None = None) -> str:
        """React with the keycap of `label`'s number on the newest prompt showing it."""
        for room in ([in_space] if in_space else []) + [self._dm(who)]:
            for shown in reversed(self._bot_said(who, room)):
                number = _number_of(shown.body, label)
                if number is None:
                    continue
                assert room is not None
                before = {s.event_id for s in self._visible(who, in_space)}
                sent = await self._person(who).react(room, shown.event_id, f"{number}{KEYCAP}")
                await self._world.settle(sent)
                return self._new(who, in_space, before)
        raise AssertionError(f"no prompt offering {label!r} was shown to {who}")

    async def join(
        self, who: str, role: str, answers: Answers, *, first_try: Answers | None = None
    ) -> Joined:
        async def say(line: str) -> str:
            return await self.say(who, line)

        async def click(label: str) -> str:
            return await self.click(who, label)

        return await join_by_typing(self.program, say, click, role, answers, first_try)

    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        app = self._world.app
        assert app is not None
        await app.dispatcher.run_until_idle()
        await self._world.settle()

    # --- what clients show -------------------------------------------------------------------

    def messages_to(self, who: str) -> list[str]:
        return [s.body for s in self._bot_said(who, self._dm(who))]

    def files_to(self, who: str) -> list[tuple[str, bytes]]:
        """The attachments in their DM, as their client fetched and decrypted them."""
        person = self._person(who)
        assert not person.broken_files, person.broken_files
        return [
            (str(s.content.get("filename") or s.body), s.file)
            for s in self._bot_said(who, self._dm(who))
            if s.file is not None
        ]

    def messages_in(self, space: str) -> list[str]:
        for person in self._world.people.values():
            if space in person.client.rooms:
                return [s.body for s in self._bot_said(person.name, space)]
        return []

    def space_of(self, *people: str) -> Space | None:
        world = self._world
        ids = {world.people[p].user_id: p for p in world.people}
        seen = world.people[people[0]].client.rooms
        for room in reversed(list(seen.values())):
            members = set(room.users) - {world.bot.user_id}
            if not self._is_space(room):
                continue
            if {world.people[p].user_id for p in people} <= members:
                return Space(room.room_id, frozenset(ids.get(m, m) for m in members))
        return None


def _number_of(body: str, label: str) -> int | None:
    for line in body.splitlines():
        number, dot, rest = line.strip().partition(". ")
        if dot and number.isdigit() and rest.strip() == label:
            return int(number)
    return None
