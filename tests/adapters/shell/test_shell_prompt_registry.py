"""A number typed in the shell answers the latest question even after a restart of the bot.

Two bots, one after the other, on the same SQLite file, each with a fresh shell adapter (no
memory carried over): the second one finds the open prompt in the prompt registry.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from adapters.shell.adapter import Room, ShellAdapter, ShellConfig
from bot.app import App
from core.clock import ManualClock
from core.events import ChoiceSelected
from core.identity import Conversation
from core.prompt_ids import PromptId
from core.service import MentorBot
from tests.kit.drivers.wiring import wire

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Running:
    """One run of the bot, built by the composition root on the file, with a fresh shell."""

    app: App
    bot: MentorBot

    def __init__(self) -> None:
        self.lines: list[str] = []
        config = ShellConfig(interactive=False)
        self.shell = ShellAdapter(self.lines.append, config, io.StringIO(""))

    @classmethod
    async def start(cls, database: Path, clock: ManualClock) -> Running:
        run = cls()
        run.app = await wire(f"sqlite+aiosqlite:///{database}", run.shell, clock)
        run.bot = run.app.bot
        return run

    async def stop(self) -> None:
        """The bot stops; the adapter's memory is gone with it."""
        await self.shell.close()
        await self.app.close()

    async def type(self, *lines: str) -> str:
        start = len(self.lines)
        for line in lines:
            await self.shell.feed(line)
        return "\n".join(self.lines[start:])


async def test_a_prompt_is_answered_by_number_after_a_restart_and_only_once(
    tmp_path: Path,
) -> None:
    database, clock = tmp_path / "bot.db", ManualClock(START)
    first = await Running.start(database, clock)
    shown = await first.type("/as ana", "/mentor join")
    assert "How would you like to take part" in shown
    assert "1. Mentee" in shown
    await first.stop()

    second = await Running.start(database, clock)
    answered = await second.type("/as ana", "1")
    assert "(1/9) What would you like guidance on?" in answered
    assert "only understand commands" not in answered

    # A click on the role question's button (here: its id, as a platform would send it).
    user = second.shell.user("ana")
    again = await second.bot.handle(
        ChoiceSelected(
            user, Conversation.dm(user), PromptId("mentoring", "role").encode(), ("mentor",)
        )
    )
    text = "\n".join(getattr(m, "body", getattr(m, "text", "")) for m in again.messages)
    assert "You already answered this on Mon 2 March at 09:00 UTC." in text
    assert "What would you like guidance on?" in text  # and where they are now
    typed = await second.type("1, 2")  # numbers still answer the question now open
    assert "(2/9) What do you want to achieve" in typed
    await second.stop()


async def test_room_chat_is_counted_not_answered(tmp_path: Path) -> None:
    clock = ManualClock(START)
    run = await Running.start(tmp_path / "bot.db", clock)
    run.shell.state.rooms["lobby"] = Room("lobby", "a room", ["ana"])
    await run.type("/as ana", "/room lobby")
    assert await run.type("hello there", "2") == ""  # nobody answers chat between people
    await run.stop()
