"""The composition root: the only place that builds engines, stores, ports and the bot.

Nothing here runs at import time; `build()` is called by the CLI with the settings.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from core.clock import Clock
from core.engagement.flow import Engagement
from core.ports import ChatPort
from core.programs.program import Program, load_programs
from core.reminders.dispatcher import Dispatcher
from core.service import MentorBot
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore


def matching_executor() -> ProcessPoolExecutor:
    """One worker process for matching rounds, started on first use.

    A process, not a thread: OR-Tools' flow solver holds the GIL for the whole solve, which
    would stall every adapter's event loop (and Slack's 3-second acks) while a round runs.
    `spawn` because the bot has threads (database drivers) that a fork would copy mid-flight.
    """
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def settle_heap() -> None:
    """Move everything built at start-up out of the garbage collector's sight.

    Start-up leaves a large, long-lived heap (SDKs, models, programs); without this, each
    full collection walks all of it and pauses the event loop for ~0.1 s — a visible share
    of a 3-second ack budget (measured with the Slack ack benchmark).
    """
    gc.collect()
    gc.freeze()


@dataclass(slots=True)
class App:
    settings: Settings
    programs: list[Program]
    engine: AsyncEngine
    bot: MentorBot
    dispatcher: Dispatcher
    matching: ProcessPoolExecutor

    async def close(self) -> None:
        self.matching.shutdown(wait=False, cancel_futures=True)
        await self.engine.dispose()


async def build(settings: Settings, clock: Clock, ports: Mapping[str, ChatPort]) -> App:
    """Load programs (failing fast on a bad file), migrate the database, wire the bot."""
    programs = load_programs(settings.programs)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    store = SqlStore(engine)
    matching = matching_executor()
    bot = MentorBot(programs, store, ports, clock, command=settings.command, matching=matching)
    engagement = Engagement(store, ports, bot.programs, clock, bot.rounds, command=settings.command)
    dispatcher = Dispatcher(
        store, engagement.deliver, clock, give_up=engagement.give_up, platforms=tuple(ports)
    )
    bot.outbox.attach(dispatcher.deliver_now)  # messages go out right after their event
    return App(settings, programs, engine, bot, dispatcher, matching)
