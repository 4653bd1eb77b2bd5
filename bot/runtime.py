"""The process: one asyncio loop running every configured adapter plus the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from adapters.shell.adapter import ShellAdapter
from adapters.shell.runner import LineReader, interact, play
from bot.app import build
from bot.settings import Settings
from core.clock import Clock, ManualClock, SystemClock
from core.ports import ChatPort

log = logging.getLogger(__name__)
NOT_BUILT = ("slack", "discord", "matrix")


class AdapterUnavailable(RuntimeError):
    pass


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)


async def run(
    settings: Settings,
    *,
    tour: Sequence[str] = (),
    stdin: TextIO = sys.stdin,
    write: Callable[[str], None] = print,
    interactive: bool | None = None,
) -> int:
    """Run until every adapter is done or SIGINT/SIGTERM; return the process exit code."""
    names = settings.selected_adapters()
    missing = [name for name in names if name in NOT_BUILT]
    if missing:
        raise AdapterUnavailable(
            f"the {', '.join(missing)} adapter is not part of this version yet; "
            "set MENTORBOT_ADAPTERS=shell"
        )
    clock: Clock = ManualClock() if "shell" in names else SystemClock()
    shell = ShellAdapter(write, clock, settings.command) if isinstance(clock, ManualClock) else None
    ports: dict[str, ChatPort] = {}
    if shell is not None:
        ports[shell.platform] = shell
    app = await build(settings, clock, ports)
    scheduler = AsyncIOScheduler(timezone="UTC")
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    scheduler.start()
    log.info("mentorbot running: adapters=%s programs=%s", ",".join(names), len(app.programs))
    try:
        if shell is not None:
            shell.handler = app.bot.handle
            await play(shell, tour, write)
            tty = stdin.isatty() if interactive is None else interactive
            if tty and tour:
                write("\nYour turn. /help lists the shell's commands; /quit leaves.")
            if tty or not tour:
                reader = LineReader(stdin, interactive=tty)
                await interact(shell, reader, write, echo=not tty, stop=stop)
        else:
            await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await app.close()
        log.info("mentorbot stopped")
    return 0
