"""The APScheduler job: runs the dispatcher right at start, then on its interval."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger
from reminders_support import plan, program, reminder

from bot.scheduler import JOB_ID, build_scheduler
from core.clock import SystemClock
from core.reminders.dispatcher import Dispatcher
from core.reminders.outbox import Reminder
from storage.store import SqlStore


async def test_scheduler_dispatches_at_start_and_on_the_interval(memory_store: SqlStore) -> None:
    state = await program(memory_store)
    now = datetime.now(UTC)
    await plan(
        memory_store,
        reminder(state, "now", "match:1", now - timedelta(minutes=1)),
        reminder(state, "soon", "match:2", now + timedelta(seconds=0.3)),
    )
    delivered: list[tuple[str, float]] = []
    first, both = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    async def deliver(r: Reminder) -> None:
        delivered.append((r.idempotency_key, loop.time()))
        (first if len(delivered) == 1 else both).set()

    async def give_up(r: Reminder, error: str) -> None:  # pragma: no cover
        raise AssertionError(error)

    dispatcher = Dispatcher(memory_store, deliver, SystemClock(), give_up=give_up, concurrency=1)
    scheduler = build_scheduler(dispatcher, interval_seconds=1.5)
    job = scheduler.get_job(JOB_ID)
    assert job is not None
    assert (job.max_instances, job.coalesce) == (1, True)
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=1.5)
    assert delivered == []  # nothing runs before start
    started = loop.time()
    scheduler.start()
    try:
        async with asyncio.timeout(10):
            await first.wait()
            await both.wait()
        (now_key, now_at), (soon_key, soon_at) = delivered
        assert (now_key, soon_key) == ("now", "soon")
        assert now_at - started < 1.0  # right at start, not after the first interval
        assert soon_at - started >= 1.4  # the next run came with the interval
    finally:
        await scheduler.stop()
