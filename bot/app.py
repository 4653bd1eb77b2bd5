"""The composition root: the one place that builds the bot from its settings.

settings → programs → engine (migrated) → store → adapters (by name, from `bot.registry`) →
their ports → `MentorBot` → `Engagement` → `Dispatcher`. The runtime, the tour, the tests and
the benchmarks all build through `build()`; nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import registry
from bot.platforms import AdapterContext, Terminal
from bot.settings import Settings
from core.adapter import Adapter, AdapterConfigError, AdapterServices
from core.clock import Clock, ManualClock, SystemClock
from core.engagement.flow import Engagement
from core.programs.program import Program, load_programs
from core.reminders.dispatcher import Dispatcher
from core.service import MentorBot
from storage.engine import create_engine
from storage.event_log import EventLog
from storage.leases import SqlLeases
from storage.migrate import upgrade
from storage.store import SqlStore

log = logging.getLogger(__name__)


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


def clock_for(settings: Settings) -> Clock:
    """The real time, or a clock that only the shell's `/advance` moves (MENTORBOT_CLOCK)."""
    return ManualClock() if settings.clock == "manual" else SystemClock()


@dataclass(slots=True)
class App:
    """Everything `build` made; `close()` releases it (adapters are the runtime's to close)."""

    settings: Settings
    programs: list[Program]
    engine: AsyncEngine
    store: SqlStore
    clock: Clock
    bot: MentorBot
    engagement: Engagement
    dispatcher: Dispatcher
    matching: ProcessPoolExecutor
    adapters: dict[str, Adapter]
    refused: dict[str, str]  # adapter name → why it could not even be built
    leases: SqlLeases
    event_log: EventLog
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def services(self, adapter: Adapter) -> AdapterServices:
        """What `adapter` gets at `start`: the bot's entry points, bound to its platform."""
        return AdapterServices(
            handle=self.bot.handle,
            standing=self.bot.standing,
            first_time=functools.partial(self.event_log.first_time, adapter.platform),
            clock=self.clock,
            run_due=self.dispatcher.run_until_idle,
            stop=self.stopping.set,
            spaces=self.bot.spaces,
            pending=self.bot.pending,
            shown=self.bot.shown,
        )

    async def close(self) -> None:
        self.matching.shutdown(wait=False, cancel_futures=True)
        await self.leases.release_all()
        await self.engine.dispose()


def make_adapters(
    settings: Settings, context: AdapterContext
) -> tuple[dict[str, Adapter], dict[str, str]]:
    """The selected adapters, built from their config; and those refused, with the reason."""
    adapters: dict[str, Adapter] = {}
    refused: dict[str, str] = {}
    for name in settings.selected_adapters():
        try:
            adapters[name] = registry.factory(name, settings.extra_adapters)(settings, context)
        except (registry.AdapterNotAvailable, AdapterConfigError) as error:
            refused[name] = str(error)
    return adapters, refused


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    terminal: Terminal | None = None,
    adapters: Sequence[Adapter] | None = None,
) -> App:
    """Load programs (failing fast on a bad file), migrate the database, wire the bot.

    `clock` defaults to the one MENTORBOT_CLOCK names; `terminal` is the shell's; `adapters`
    replaces the ones the settings select (tests use their own fakes this way).
    """
    programs = load_programs(settings.programs)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    store = SqlStore(engine)
    if adapters is None:
        built, refused = make_adapters(settings, AdapterContext(engine, terminal or Terminal()))
    else:
        built, refused = {a.platform: a for a in adapters}, {}
    ports = {adapter.platform: adapter.port for adapter in built.values()}
    clock = clock or clock_for(settings)
    matching = matching_executor()
    bot = MentorBot(programs, store, ports, clock, matching=matching)
    engagement = Engagement(store, ports, bot.programs, clock, bot.rounds)
    dispatcher = Dispatcher(
        store, engagement.deliver, clock, give_up=engagement.give_up, platforms=tuple(ports)
    )
    bot.outbox.attach(dispatcher.deliver_now)  # messages go out right after their event
    return App(
        settings,
        programs,
        engine,
        store,
        clock,
        bot,
        engagement,
        dispatcher,
        matching,
        built,
        refused,
        SqlLeases(engine),
        EventLog(store),
    )
