"""The process: one asyncio loop running every configured adapter plus the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO

from pydantic import SecretStr

from adapters.shell.adapter import ShellAdapter
from adapters.shell.runner import LineReader, interact, play
from adapters.slack.app import SlackAdapter, SlackConfig
from bot.app import build, settle_heap
from bot.scheduler import build_scheduler
from bot.settings import Settings
from core.clock import Clock, ManualClock, SystemClock
from core.ports import ChatPort
from storage.event_log import EventLog
from storage.slack_installations import SqlInstallationStore, SqlOAuthStateStore

log = logging.getLogger(__name__)
NOT_BUILT = ("discord", "matrix")


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
    start: datetime | None = None,
) -> int:
    """Run until every adapter is done or SIGINT/SIGTERM; return the process exit code."""
    names = settings.selected_adapters()
    missing = [name for name in names if name in NOT_BUILT]
    if missing:
        raise AdapterUnavailable(
            f"the {', '.join(missing)} adapter is not part of this version yet; "
            "set MENTORBOT_ADAPTERS=shell"
        )
    clock: Clock = ManualClock(start) if "shell" in names else SystemClock()
    shell = (
        ShellAdapter(write, clock, settings.command, files_dir=settings.files_dir)
        if isinstance(clock, ManualClock)
        else None
    )
    ports: dict[str, ChatPort] = {}
    if shell is not None:
        ports[shell.platform] = shell
    slack = SlackAdapter(slack_config(settings)) if "slack" in names else None
    if slack is not None:
        ports[slack.platform] = slack.port
    app = await build(settings, clock, ports)
    scheduler = build_scheduler(app.dispatcher, interval_seconds=settings.dispatch_interval)
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    scheduler.start()
    settle_heap()
    log.info("mentorbot running: adapters=%s programs=%s", ",".join(names), len(app.programs))
    try:
        if slack is not None:
            slack.handler, slack.standing = app.bot.handle, app.bot.standing
            slack.event_log = EventLog(app.engine).first_time
            if slack.config.oauth:
                slack.installations = SqlInstallationStore(
                    app.engine, settings.slack_client_id or ""
                )
                slack.oauth_states = SqlOAuthStateStore(app.engine)
            try:
                await slack.start()
            except ValueError as error:  # missing tokens: say which, no traceback
                raise AdapterUnavailable(f"Slack: {error}") from None
        if shell is not None:
            shell.handler = app.bot.handle
            shell.tick = app.dispatcher.run_until_idle
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
        if slack is not None:
            await slack.close()
        await scheduler.stop()
        await app.close()
        log.info("mentorbot stopped")
    return 0


def slack_config(settings: Settings) -> SlackConfig:
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value else None

    return SlackConfig(
        command=settings.command,
        bot_token=secret(settings.slack_bot_token),
        signing_secret=secret(settings.slack_signing_secret),
        app_token=secret(settings.slack_app_token),
        client_id=settings.slack_client_id,
        client_secret=secret(settings.slack_client_secret),
        api_base_url=settings.slack_api_base_url,
        host=settings.http_host,
        port=settings.http_port,
    )
