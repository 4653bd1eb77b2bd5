"""The Discord adapter from the settings."""

from __future__ import annotations

from adapters.discord.app import DiscordAdapter, DiscordConfig
from bot.platforms import AdapterContext
from bot.settings import Settings


def discord_config(settings: Settings) -> DiscordConfig:
    token = settings.discord_token.get_secret_value() if settings.discord_token else None
    return DiscordConfig(
        token=token,
        guild_ids=tuple(settings.discord_guild_ids),
        api_base_url=settings.discord_api_base_url,
        gateway_url=settings.discord_gateway_url,
        command=settings.command,
    )


def create(settings: Settings, context: AdapterContext) -> DiscordAdapter:
    return DiscordAdapter(discord_config(settings))
