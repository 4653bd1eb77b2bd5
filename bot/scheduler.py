"""APScheduler drives the reminder dispatcher: on start, then every interval."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.dispatcher import Dispatcher


def build_scheduler(dispatcher: Dispatcher, *, interval_seconds: float) -> AsyncIOScheduler:
    """An (unstarted) scheduler whose one job runs the dispatcher until nothing is due.

    One run at a time (`max_instances=1`); missed runs collapse into one (`coalesce`).
    """
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        dispatcher.run_until_idle,
        "interval",
        seconds=interval_seconds,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        id="reminder-dispatcher",
    )
    return scheduler
