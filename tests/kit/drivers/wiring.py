"""The bot for one driver, built by the composition root (`bot.app.build`) like production.

The driver hands `build` its own adapter (so the test keeps a handle on it) and a manual
clock; everything else — store, bot, engagement, dispatcher, event log — is the real wiring.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.app import App, build
from core.adapter import Adapter
from core.clock import Clock
from tests.kit.settings import ROOT, settings_for

COMMAND = "/mentor"
__all__ = ["COMMAND", "ROOT", "settings_for", "wire"]


async def wire(
    database_url: str,
    adapter: Adapter,
    clock: Clock,
    programs: Sequence[Path] = (),
    **more: str,
) -> App:
    """Build the bot around `adapter` and start it with the services the runtime would give;
    `programs` replaces the bundled program file (several programs in one workspace), `more`
    adds settings by their environment names."""
    if programs:
        more = {**more, "MENTORBOT_PROGRAMS": ",".join(str(p) for p in programs)}
    app = await build(settings_for(database_url, **more), clock=clock, adapters=[adapter])
    try:
        await adapter.start(app.services(adapter))
    except BaseException:
        await app.close()
        raise
    return app
