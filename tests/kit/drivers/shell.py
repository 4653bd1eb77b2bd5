"""The shell adapter driven by typed lines, as a person at the terminal would type them."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from adapters.shell.adapter import ShellAdapter, ShellConfig
from bot.app import App
from core.clock import ManualClock
from core.durations import describe_duration
from core.programs.program import Program
from tests.kit.drivers.base import Answers, Joined, Space, join_by_typing
from tests.kit.drivers.wiring import COMMAND, wire

NAMES = {"ana": "ana", "ben": "ben", "cora": "coordinator", "cy": "cy", "dee": "dee"}
# `coordinator` is the bundled program's coordinator id
FILE_LINE = re.compile(r"📎 .* \([\d,]+ bytes\): (?P<path>/.+)$")


class ShellDriver:
    platform = "shell"
    # A restarted shell knows no prompt (typed numbers are just text) and no room;
    # replies are shown where the person typed, a room included.
    lacks: frozenset[str] = frozenset()

    def __init__(
        self,
        database_url: str,
        program: Program,
        clock: ManualClock,
        programs: Sequence[Path] = (),
    ) -> None:
        self.database_url, self.program, self.clock = database_url, program, clock
        self.programs = programs
        self.lines: list[str] = []  # the terminal: survives restarts, like scrollback
        self.files = tempfile.TemporaryDirectory(prefix="mentorbot-files-")
        self.shell: ShellAdapter | None = None
        self.wired: App | None = None

    async def start(self) -> ShellDriver:
        config = ShellConfig(command=COMMAND, interactive=False, files_dir=Path(self.files.name))
        shell = ShellAdapter(self.lines.append, config, io.StringIO(""))
        self.wired = await wire(self.database_url, shell, self.clock, self.programs)
        self.shell = shell
        return self

    async def close(self) -> None:
        if self.shell is not None:
            await self.shell.close()
        if self.wired is not None:
            await self.wired.close()
            self.wired = None

    async def restart(self) -> None:
        await self.close()
        self.lines.append("── restart ──")
        await self.start()

    # --- typing ---------------------------------------------------------------------------

    async def _type(self, who: str, line: str, in_space: str | None = None) -> str:
        assert self.shell is not None
        await self.shell.feed(f"/as {NAMES[who]}")
        if in_space is not None:
            await self.shell.feed(f"/room {in_space}")
            assert self.shell.state.room == in_space, self.lines[-1]
        before = len(self.lines)
        await self.shell.feed(line)
        return "\n".join(self.lines[before:])

    async def say(self, who: str, line: str, *, in_space: str | None = None) -> str:
        return await self._type(who, line, in_space)

    async def click(self, who: str, label: str, *, in_space: str | None = None) -> str:
        """Type the number the newest prompt showing `label` gives it, read off the screen."""
        header = self._header(who, in_space)
        item = re.compile(rf"^\s+(\d+)\. {re.escape(label)}$", re.MULTILINE)
        for line in reversed(self.lines):
            found = item.search(line) if line.startswith(header) else None
            if found:
                return await self._type(who, found.group(1), in_space)
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
        assert self.shell is not None
        hours = int(delta.total_seconds() // 3600)
        before = len(self.lines)
        await self.shell.feed(f"/advance {hours}h")
        assert describe_duration(timedelta(hours=hours)) in "\n".join(self.lines[before:])

    # --- what the screen shows --------------------------------------------------------------

    @staticmethod
    def _header(who: str, in_space: str | None) -> str:
        if in_space is not None:
            return f"  mentorbot in #{in_space}"
        return f"  mentorbot → {NAMES[who]}"

    def messages_to(self, who: str) -> list[str]:
        header = self._header(who, None)
        return [line for line in self.lines if line.startswith(header)]

    def files_to(self, who: str) -> list[tuple[str, bytes]]:
        found = []
        for line in self.messages_to(who):
            shown = FILE_LINE.search(line)
            if shown:
                path = Path(shown.group("path"))
                found.append((path.name, path.read_bytes()))
        return found

    def messages_in(self, space: str) -> list[str]:
        header = self._header("ana", space)
        return [line for line in self.lines if line.startswith(header)]

    def space_of(self, *people: str) -> Space | None:
        assert self.shell is not None
        ids = {NAMES[p] for p in people}
        names = {v: k for k, v in NAMES.items()}
        for room in reversed(self.shell.state.rooms.values()):
            if ids <= set(room.members):
                return Space(room.name, frozenset(names.get(m, m) for m in room.members))
        return None
