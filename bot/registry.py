"""Which adapters exist, by name, and where their factories live — imported only when chosen.

Each entry is an import path `module:function` of a factory `(settings, context) -> Adapter`, or
None for a platform that is planned but not part of this version. Nothing is imported here: the
runtime resolves the names it was asked for, so a command that runs no adapter loads no SDK.
`MENTORBOT_EXTRA_ADAPTERS` adds entries (plugins, and the tests' own adapters).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

ADAPTERS: Mapping[str, str | None] = {
    "shell": "bot.platforms.shell:create",
    "slack": "bot.platforms.slack:create",
    "discord": "bot.platforms.discord:create",
    "matrix": "bot.platforms.matrix:create",
}


class AdapterNotAvailable(LookupError):
    """A name that is unknown, not built yet, or whose factory cannot be imported."""


def known(extra: Mapping[str, str] | None = None) -> list[str]:
    """Every adapter name, built-in first."""
    return [*ADAPTERS, *(name for name in extra or {} if name not in ADAPTERS)]


def factory(name: str, extra: Mapping[str, str] | None = None) -> Callable[..., Any]:
    """Import and return the factory of adapter `name`."""
    entries = {**ADAPTERS, **(extra or {})}
    if name not in entries:
        raise AdapterNotAvailable(
            f"unknown adapter {name!r}; choose from {', '.join(known(extra))}"
        )
    path = entries[name]
    if path is None:
        raise AdapterNotAvailable(
            f"the {name} adapter is not part of this version yet; "
            f"available: {', '.join(n for n, p in entries.items() if p)}"
        )
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as error:
        raise AdapterNotAvailable(
            f"the {name} adapter cannot be loaded from {path}: {error}"
        ) from None
