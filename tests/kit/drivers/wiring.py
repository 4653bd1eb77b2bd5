"""The bot as `bot.app.build` wires it — store, bot, engagement, dispatcher — for one driver.

Matching runs in a thread rather than `build`'s worker process (the same code, without
paying a process start per test); everything else is the production wiring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import Clock
from core.engagement.flow import Engagement
from core.ports import ChatPort
from core.programs.program import Program
from core.reminders.dispatcher import Dispatcher
from core.service import MentorBot
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore

COMMAND = "/mentor"


@dataclass(slots=True)
class Wired:
    engine: AsyncEngine
    bot: MentorBot
    dispatcher: Dispatcher

    async def close(self) -> None:
        await self.engine.dispose()


async def wire(
    database_url: str, programs: list[Program], ports: Mapping[str, ChatPort], clock: Clock
) -> Wired:
    engine = create_engine(database_url)
    await upgrade(engine)
    store = SqlStore(engine)
    bot = MentorBot(programs, store, ports, clock, command=COMMAND)
    engagement = Engagement(store, ports, bot.programs, clock, bot.rounds, command=COMMAND)
    dispatcher = Dispatcher(
        store, engagement.deliver, clock, give_up=engagement.give_up, concurrency=1
    )
    return Wired(engine, bot, dispatcher)
