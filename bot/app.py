"""The composition root: the only place that builds engines, stores, ports and the bot.

Nothing here runs at import time; `build()` is called by the CLI with the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from core.clock import Clock
from core.dispatcher import Dispatcher
from core.engagement import Engagement
from core.ports import ChatPort
from core.program import Program, load_programs
from core.service import MentorBot
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore


@dataclass(slots=True)
class App:
    settings: Settings
    programs: list[Program]
    engine: AsyncEngine
    bot: MentorBot
    dispatcher: Dispatcher

    async def close(self) -> None:
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
    bot = MentorBot(programs, store, ports, clock, command=settings.command)
    engagement = Engagement(store, ports, bot.programs, clock, bot.rounds, command=settings.command)
    dispatcher = Dispatcher(store, engagement.deliver, clock, give_up=engagement.give_up)
    return App(settings, programs, engine, bot, dispatcher)
