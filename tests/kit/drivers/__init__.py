"""Conformance drivers: one per adapter, each a running bot driven from the outside."""

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
from tests.kit.drivers.shell import ShellDriver
from tests.kit.drivers.slack import SlackDriver

BY_PLATFORM: dict[str, type[ShellDriver] | type[SlackDriver] | type[DiscordDriver]] = {
    "shell": ShellDriver,
    "slack": SlackDriver,
    "discord": DiscordDriver,
}
"""Every driver, by platform: `Driver(database_url, program, clock, programs=()).start()`. A
new adapter's driver is added here, and the tests that run on every adapter (privacy, the
authorization matrix) pick it up."""

__all__ = [
    "BY_PLATFORM",
    "PRIVATE_REPLIES",
    "PROMPT_REGISTRY",
    "Answer",
    "Answers",
    "DiscordDriver",
    "Driver",
    "Joined",
    "ShellDriver",
    "SlackDriver",
    "Space",
]
