"""Conformance drivers: one per adapter, each a running bot driven from the outside."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from tests.kit.drivers.base import (
    PRIVATE_REPLIES,
    PROMPT_REGISTRY,
    Answer,
    Answers,
    Driver,
    Joined,
    Space,
)
from tests.kit.drivers.discord import DiscordDriver
from tests.kit.drivers.matrix import MatrixDriver
from tests.kit.drivers.shell import ShellDriver
from tests.kit.drivers.slack import SlackDriver

BY_PLATFORM: dict[
    str, type[ShellDriver] | type[SlackDriver] | type[DiscordDriver] | type[MatrixDriver]
] = {
    "shell": ShellDriver,
    "slack": SlackDriver,
    "discord": DiscordDriver,
    "matrix": MatrixDriver,
}
"""Every driver, by platform: `Driver(database_url, program, clock, programs=()).start()`,
through `driver_for` (a driver may take pytest fixtures too: Matrix its Synapse). A new adapter's
driver is added here, and the tests that run on every adapter (privacy, the authorization
matrix) pick it up."""


def platforms() -> list[Any]:
    """`BY_PLATFORM`'s names as pytest parameters, each with its driver's `timeout` (seconds)
    where it sets one: a story through a real homeserver takes longer than the suite allows."""
    return [
        pytest.param(name, marks=[pytest.mark.timeout(kind.timeout)])
        if hasattr(kind, "timeout")
        else name
        for name, kind in sorted(BY_PLATFORM.items())
    ]


def driver_for(platform: str, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """The platform's driver with the fixtures it names in `fixtures` (keyword → fixture)
    given: call it as `(database_url, program, clock, programs=())`, then `.start()`."""
    kind = BY_PLATFORM[platform]
    needs: dict[str, str] = getattr(kind, "fixtures", {})
    return functools.partial(
        kind, **{keyword: request.getfixturevalue(name) for keyword, name in needs.items()}
    )


__all__ = [
    "BY_PLATFORM",
    "PRIVATE_REPLIES",
    "PROMPT_REGISTRY",
    "Answer",
    "Answers",
    "DiscordDriver",
    "Driver",
    "Joined",
    "MatrixDriver",
    "ShellDriver",
    "SlackDriver",
    "Space",
    "driver_for",
    "platforms",
]
