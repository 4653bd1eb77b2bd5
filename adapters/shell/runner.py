"""Driving the shell adapter from a terminal or a pipe, and playing scripted tours."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import TextIO

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
                loop.call_soon_threadsafe(future.set_exception, error)
                return
            loop.call_soon_threadsafe(_resolve, future, line)

        threading.Thread(target=work, name="shell-stdin", daemon=True).start()
        return await future


def _resolve(future: asyncio.Future[str | None], value: str | None) -> None:
    if not future.done():
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
    stop: asyncio.Event,
) -> None:
    """Read and feed lines until end of input, `/quit`, or `stop` is set."""
    while not stop.is_set():
        read = asyncio.ensure_future(reader.read(adapter.prompt))
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({read, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if stopped in done:
            read.cancel()
            return
        stopped.cancel()
        line = read.result()
        if line is None:
            return
        if echo:
            write(f"{adapter.prompt}{line}")
        if not await adapter.feed(line):
            return
