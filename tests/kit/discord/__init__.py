"""A loopback fake of Discord (gateway and REST) for the adapter's tests."""

from tests.kit.discord.fake_discord import (
    ADMINS,
    APP_ID,
    BOT_ID,
    GUILD,
    SPACE_CHANNEL,
    TOKEN,
    USERS,
    FakeDiscord,
    Shown,
)

__all__ = [
    "ADMINS",
    "APP_ID",
    "BOT_ID",
    "GUILD",
    "SPACE_CHANNEL",
    "TOKEN",
    "USERS",
    "FakeDiscord",
    "Shown",
]
