"""Settings from the environment or `.env`; every one is documented in `.env.example`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import registry


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field("sqlite:///./mentorbot.db", validation_alias="DATABASE_URL")
    programs: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [Path("programs")], validation_alias="MENTORBOT_PROGRAMS"
    )
    adapters: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="MENTORBOT_ADAPTERS"
    )
    extra_adapters: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, validation_alias="MENTORBOT_EXTRA_ADAPTERS"
    )
    clock: Literal["system", "manual"] = Field("system", validation_alias="MENTORBOT_CLOCK")
    # empty: INFO, but WARNING when the shell runs and logs share its terminal (`_log_level`)
    log_level: str = Field("", validation_alias="MENTORBOT_LOG_LEVEL")
    log_file: Path | None = Field(None, validation_alias="MENTORBOT_LOG_FILE")
    log_format: Literal["console", "json"] = Field(
        "console", validation_alias="MENTORBOT_LOG_FORMAT"
    )
    http_host: str = Field("127.0.0.1", validation_alias="MENTORBOT_HTTP_HOST")
    http_port: int = Field(3000, ge=0, le=65535, validation_alias="MENTORBOT_HTTP_PORT")
    command: str = Field("/mentor", validation_alias="MENTORBOT_COMMAND")
    matrix_prefix: str = Field("!mentor", validation_alias="MENTORBOT_MATRIX_PREFIX")
    files_dir: Path = Field(Path("mentorbot-files"), validation_alias="MENTORBOT_FILES_DIR")
    dispatch_interval: float = Field(
        30.0, gt=0, le=3600, validation_alias="MENTORBOT_DISPATCH_INTERVAL"
    )
    # empty: keep answers; N: delete the answers of people who left more than N days ago
    retention_days: int | None = Field(None, ge=1, validation_alias="MENTORBOT_RETENTION_DAYS")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_base_url: str | None = Field(None, validation_alias="SLACK_API_BASE_URL")

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias="DISCORD_GUILD_IDS"
    )
    discord_api_base_url: str | None = Field(None, validation_alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")

    matrix_homeserver: str | None = Field(None, validation_alias="MATRIX_HOMESERVER")
    matrix_user_id: str | None = Field(None, validation_alias="MATRIX_USER_ID")
    matrix_password: SecretStr | None = Field(None, validation_alias="MATRIX_PASSWORD")
    matrix_access_token: SecretStr | None = Field(None, validation_alias="MATRIX_ACCESS_TOKEN")
    matrix_store_path: Path = Field(Path(".mentorbot-store"), validation_alias="MATRIX_STORE_PATH")
    matrix_allowed_servers: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="MATRIX_ALLOWED_SERVERS"
    )
    matrix_device_trust: Literal["tofu", "verified"] = Field(
        "tofu", validation_alias="MATRIX_DEVICE_TRUST"
    )

    @field_validator(
        "programs", "adapters", "discord_guild_ids", "matrix_allowed_servers", mode="before"
    )
    @classmethod
    def _comma_lists(cls, value: object) -> object:
        """Lists are written as comma-separated values: `MENTORBOT_ADAPTERS=slack,matrix`."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("adapters")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [name.lower() for name in value]

    @field_validator("extra_adapters", mode="before")
    @classmethod
    def _import_paths(cls, value: object) -> object:
        """`name=module:factory`, comma-separated: adapters that are not built in."""
        if not isinstance(value, str):
            return value
        entries: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            name, _, path = part.partition("=")
            if not name.strip() or ":" not in path:
                raise ValueError(f"{part!r}: write name=module:factory")
            entries[name.strip().lower()] = path.strip()
        return entries

    @model_validator(mode="after")
    def _known(self) -> Settings:
        names = registry.known(self.extra_adapters)
        unknown = [name for name in self.adapters if name not in names]
        if unknown:
            raise ValueError(f"unknown adapter {unknown[0]!r}; choose from {', '.join(names)}")
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("retention_days", mode="before")
    @classmethod
    def _keep(cls, value: object) -> object:
        """`MENTORBOT_RETENTION_DAYS=` (as in `.env.example`) means keep answers."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_file", mode="before")
    @classmethod
    def _no_file(cls, value: object) -> object:
        """`MENTORBOT_LOG_FILE=` (as in `.env.example`) means stderr, not a file named ``."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _log_level(self) -> Settings:
        """No level set: INFO, or WARNING when the shell's conversation shares the terminal
        with the logs (stderr) — a log file takes INFO without getting in anyone's way."""
        if not self.log_level:
            in_terminal = "shell" in self.selected_adapters() and self.log_file is None
            self.log_level = "WARNING" if in_terminal else "INFO"
        return self

    def selected_adapters(self) -> list[str]:
        """MENTORBOT_ADAPTERS, else every platform whose credentials are set, else the shell."""
        if self.adapters:
            return self.adapters
        chosen = []
        if self.slack_bot_token or self.slack_client_id:
            chosen.append("slack")
        if self.discord_token:
            chosen.append("discord")
        if self.matrix_homeserver and self.matrix_user_id:
            chosen.append("matrix")
        return chosen or ["shell"]

    def secret_values(self) -> list[str]:
        """Every secret's plain value, so the log filter can scrub them if they ever leak."""
        secrets = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.discord_token,
            self.matrix_password,
            self.matrix_access_token,
        ]
        return [s.get_secret_value() for s in secrets if s and s.get_secret_value()]
