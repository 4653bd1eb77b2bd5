"""Adapter factories: each builds one platform's adapter from the settings (see `bot.registry`).

One module per platform, so choosing an adapter imports its SDK and nothing else does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True, slots=True)
class Terminal:
    """The terminal the shell adapter talks through, and the tour it may play first."""

    write: Callable[[str], None] = print
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    tour: Sequence[str] = ()
    interactive: bool | None = None  # None: ask stdin whether it is a terminal


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """What factories may use besides the settings: the database (for an adapter's own
    persistence, e.g. Slack installations) and the terminal."""

    engine: AsyncEngine
    terminal: Terminal = field(default_factory=Terminal)
