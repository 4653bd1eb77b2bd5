"""The composition root: the only place that builds engines, stores, ports and the bot.

Nothing here runs at import time; `build()` is called by the CLI with the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from core.clock import Clock
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
    bot = MentorBot(programs, SqlStore(engine), ports, clock, command=settings.command)
    return App(settings, programs, engine, bot)
