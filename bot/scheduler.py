"""The scheduler that drives the reminder dispatcher (APScheduler 3.x, asyncio).

One interval job drains what is due (`Dispatcher.run_until_idle`), first right at start and then
every `interval_seconds`. `max_instances=1` keeps rounds from overlapping in one process, and
`coalesce=True` turns runs missed while the loop was busy (or the machine asleep) into one.
Several processes may each run one: the outbox claim keeps them from sending the same reminder.

The scheduler is returned unstarted; the runtime starts it inside its event loop. To stop, prefer
`await scheduler.stop()` to `shutdown()`: APScheduler's asyncio executor *cancels* a running job
on shutdown, and a database transaction cancelled half-way can leave an aiosqlite connection
unusable (disposing an in-memory engine then hangs). `stop` pauses the job, lets a running round
finish (up to `grace` seconds), then shuts down. Nothing is lost either way: an interrupted
round's claims come back when their lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.reminders.dispatcher import Dispatcher

log = logging.getLogger(__name__)

JOB_ID = "reminders"
HOUSEKEEPING_ID = "housekeeping"
HOUSEKEEPING_EVERY = 6 * 3600.0
"""Seconds between housekeeping runs (retention): a day's precision needs no more."""
MAX_ROUNDS = 100
"""Claim rounds per run: bounds one run, the next run continues a larger backlog."""


class ReminderScheduler(AsyncIOScheduler):
    """An `AsyncIOScheduler` that knows when its dispatch job is running, to stop gently."""

    def __init__(self) -> None:
        super().__init__(timezone=UTC)
        self.idle = asyncio.Event()
        self.idle.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Pause, wait for a running round to finish (at most `grace` s), then shut down."""
        if self.running:
            self.pause()
            try:
                async with asyncio.timeout(grace):
                    await self.idle.wait()
            except TimeoutError:
                log.warning("reminder round still running after %.0fs; cancelling it", grace)
            self.shutdown(wait=False)


def build_scheduler(
    dispatcher: Dispatcher,
    *,
    interval_seconds: float,
    housekeeping: Callable[[], Awaitable[object]] | None = None,
    housekeeping_seconds: float = HOUSEKEEPING_EVERY,
) -> ReminderScheduler:
    """An unstarted scheduler that runs `dispatcher` at start and every interval, and
    `housekeeping` (retention) at start and every `housekeeping_seconds`."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    scheduler = ReminderScheduler()

    async def dispatch() -> None:
        scheduler.idle.clear()
        try:
            stats = await dispatcher.run_until_idle(max_rounds=MAX_ROUNDS)
        finally:
            scheduler.idle.set()
        if stats.claimed:
            log.info(
                "reminders: %d sent, %d retried, %d failed, %d unrecorded",
                stats.sent,
                stats.retried,
                stats.failed,
                stats.unrecorded,
            )

    scheduler.add_job(
        dispatch,
        IntervalTrigger(seconds=interval_seconds, timezone=UTC),
        id=JOB_ID,
        name="deliver due reminders",
        next_run_time=datetime.now(UTC),  # once right at start, then on the interval
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,  # a late run is still worth running (coalesced into one)
        replace_existing=True,
    )
    if housekeeping is not None:

        async def tidy() -> None:
            try:
                await housekeeping()
            except Exception:  # logged; the next run tries again
                log.exception("housekeeping failed")

        scheduler.add_job(
            tidy,
            IntervalTrigger(seconds=housekeeping_seconds, timezone=UTC),
            id=HOUSEKEEPING_ID,
            name="retention",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )
    return scheduler


__all__ = ["HOUSEKEEPING_ID", "JOB_ID", "ReminderScheduler", "build_scheduler"]
