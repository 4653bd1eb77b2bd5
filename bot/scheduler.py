"""The scheduler that drives the reminder dispatcher (APScheduler 3.x, asyncio).

One interval job drains what is due (`Dispatcher.run_until_idle`), first right at start and then
every `interval_seconds`. `max_instances=1` keeps rounds from overlapping in one process, and
`coalesce=True` turns runs missed while the loop was busy (or the machine asleep) into one.
Several processes may each run one: the outbox claim keeps them from sending the same reminder.

The scheduler is returned unstarted; the runtime starts it inside its event loop and shuts it
down on exit.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.dispatcher import Dispatcher

log = logging.getLogger(__name__)

JOB_ID = "reminders"
MAX_ROUNDS = 100
"""Claim rounds per run: bounds one run, the next run continues a larger backlog."""


def build_scheduler(dispatcher: Dispatcher, *, interval_seconds: float) -> AsyncIOScheduler:
    """An unstarted `AsyncIOScheduler` that runs `dispatcher` at start and every interval."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")

    async def dispatch() -> None:
        stats = await dispatcher.run_until_idle(max_rounds=MAX_ROUNDS)
        if stats.claimed:
            log.info(
                "reminders: %d sent, %d retried, %d failed, %d unrecorded",
                stats.sent,
                stats.retried,
                stats.failed,
                stats.unrecorded,
            )

    scheduler = AsyncIOScheduler(timezone=UTC)
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
    return scheduler


__all__ = ["JOB_ID", "build_scheduler"]
