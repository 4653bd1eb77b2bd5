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

__all__ = [
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
