"""Driving the shell adapter from a terminal or a pipe, and playing scripted tours."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from adapters.shell.adapter import ShellAdapter


class LineReader:
    """Reads stdin on a daemon thread, one line per request, so the event loop never blocks.

    A daemon thread (rather than `asyncio.to_thread`) lets the process exit on SIGTERM while
    `input()` is still waiting for a key press.
    """

    def __init__(self, stream: TextIO, interactive: bool) -> None:
        self._stream = stream
        self._interactive = interactive

    async def read(self, prompt: str) -> str | None:
        """The next line without its newline, or None at end of input."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def work() -> None:
            try:
                line: str | None
                if self._interactive:
                    line = input(prompt)
                else:
                    raw = self._stream.readline()
                    line = raw.rstrip("\n") if raw else None
            except EOFError:
                line = None
            except Exception as error:  # report to the loop rather than dying silently
                line = None
                failure: BaseException | None = error
            else:
                failure = None
            if not loop.is_closed():  # the bot may have stopped while this thread waited
                loop.call_soon_threadsafe(_resolve, future, line, failure)

        threading.Thread(target=work, name="shell-stdin", daemon=True).start()
        return await future


def _resolve(
    future: asyncio.Future[str | None], value: str | None, failure: BaseException | None
) -> None:
    if future.done():  # cancelled: the bot is stopping
        return
    if failure is not None:
        future.set_exception(failure)
    else:
        future.set_result(value)


async def play(adapter: ShellAdapter, steps: Iterable[str], write: Callable[[str], None]) -> None:
    """Play a script: `# text` lines are narration, the others are typed as shown."""
    for step in steps:
        if step.startswith("#"):
            write(f"\n── {step.lstrip('# ').strip()}")
            continue
        write(f"{adapter.prompt}{step}")
        await adapter.feed(step)


async def interact(
    adapter: ShellAdapter,
    reader: LineReader,
    write: Callable[[str], None],
    *,
    echo: bool,
) -> None:
    """Read and feed lines until end of input or `/quit` (cancel the task to stop earlier)."""
    while True:
        line = await reader.read(adapter.prompt)
        if line is None:
            return
        if echo:
            write(f"{adapter.prompt}{line}")
        if not await adapter.feed(line):
            return
