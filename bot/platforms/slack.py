"""The Slack adapter from the settings, with its OAuth records in the bot's database."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.slack.app import SlackAdapter, SlackConfig
from adapters.slack.oauth import SlackPersistence
from bot.platforms import AdapterContext
from bot.settings import Settings
from storage.slack_installations import SqlSlackInstallations, SqlSlackOAuthStates


def slack_config(settings: Settings) -> SlackConfig:
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value else None

    return SlackConfig(
        command=settings.command,
        bot_token=secret(settings.slack_bot_token),
        signing_secret=secret(settings.slack_signing_secret),
        app_token=secret(settings.slack_app_token),
        client_id=settings.slack_client_id,
        client_secret=secret(settings.slack_client_secret),
        api_base_url=settings.slack_api_base_url,
        host=settings.http_host,
        port=settings.http_port,
    )


def create(settings: Settings, context: AdapterContext) -> SlackAdapter:
    config = slack_config(settings)
    persistence = None
    if config.oauth:
        persistence = SlackPersistence(
            SqlSlackInstallations(context.engine, config.client_id or ""),
            SqlSlackOAuthStates(context.engine),
        )
    return SlackAdapter(config, persistence)
