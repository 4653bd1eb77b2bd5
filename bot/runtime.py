"""The process: one asyncio loop running every selected adapter side by side, plus the scheduler.

Adapters are started by the `Supervisor` (retries, stand-by for singletons); one failing is
reported and the others keep serving. When none can run, `run` raises `AdapterUnavailable`
(the CLI exits with code 2 and the reasons).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.app import App, build, settle_heap
from bot.platforms import Terminal
from bot.scheduler import build_scheduler
from bot.settings import Settings
from bot.supervisor import AdapterFailed, Supervisor
from core.clock import Clock
from core.participants.retention import expire_answers

log = logging.getLogger(__name__)


class AdapterUnavailable(RuntimeError):
    """No selected adapter can run; the message lists each with its reason."""


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)


def retention(app: App) -> Callable[[], Awaitable[int]] | None:
    """The scheduler's retention job (`MENTORBOT_RETENTION_DAYS`), or None to keep answers."""
    days = app.settings.retention_days
    if days is None:
        return None

    async def expire() -> int:
        count = await expire_answers(app.store, app.clock.now(), days)
        if count:
            log.info("retention: deleted the answers of %d people who left", count)
        return count

    return expire


async def run(
    settings: Settings,
    *,
    clock: Clock | None = None,
    terminal: Terminal | None = None,
    supervisor: Supervisor | None = None,
) -> int:
    """Run until stopped (SIGINT/SIGTERM, or the shell's end of input); the exit code."""
    app = await build(settings, clock=clock, terminal=terminal)
    scheduler = build_scheduler(
        app.dispatcher,
        interval_seconds=settings.dispatch_interval,
        housekeeping=retention(app),
    )
    supervisor = supervisor or Supervisor(app.leases)
    for name, reason in app.refused.items():
        log.error("adapter %s cannot start: %s", name, reason)
    tasks = {
        asyncio.create_task(supervisor.keep(name, adapter, app.services(adapter)), name=name)
        for name, adapter in app.adapters.items()
    }
    _install_signal_handlers(app.stopping)
    scheduler.start()
    settle_heap()
    log.info(
        "mentorbot running: adapters=%s programs=%s",
        ",".join(settings.selected_adapters()),
        len(app.programs),
    )
    try:
        await _serve(app, tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for adapter in app.adapters.values():
            try:
                await adapter.close()
            except Exception:
                log.exception("adapter %s did not close cleanly", adapter.platform)
        await scheduler.stop()
        await app.close()
        log.info("mentorbot stopped")
    return 0


async def _serve(app: App, tasks: set[asyncio.Task[None]]) -> None:
    """Wait for a stop request; give up early when every adapter has failed for good."""
    failed = dict(app.refused)
    stopping = asyncio.create_task(app.stopping.wait())
    pending: set[asyncio.Task[None]] = set(tasks)
    try:
        while True:
            if len(failed) == len(app.adapters) + len(app.refused):
                reasons = "; ".join(f"{name}: {reason}" for name, reason in failed.items())
                raise AdapterUnavailable(f"no adapter could start — {reasons}")
            done, _ = await asyncio.wait({stopping, *pending}, return_when=asyncio.FIRST_COMPLETED)
            if stopping in done:
                return
            for task in done:
                pending.discard(task)
                error = task.exception()
                if isinstance(error, AdapterFailed):
                    failed[error.name] = error.reason
                elif error is not None:
                    failed[task.get_name()] = f"{type(error).__name__}: {error}"
    finally:
        stopping.cancel()
