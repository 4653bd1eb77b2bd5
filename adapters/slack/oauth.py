"""slack-sdk's installation and OAuth state stores on plain records the bot persists for us.

The adapter does not know the database: the composition root passes objects with the small
`InstallationRecords` / `StateRecords` shapes below (the bot's are `storage.slack_installations`),
and these classes turn them into what Bolt's OAuth flow expects.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

log = logging.getLogger(__name__)
STATE_TTL = timedelta(minutes=10)


class InstallationRecords(Protocol):
    """The latest installation per workspace, as a dict of slack-sdk `Installation` fields."""

    async def save(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool,
        installed_at: datetime,
        data: dict[str, Any],
    ) -> None: ...

    async def find(
        self, *, enterprise_id: str | None, team_id: str | None
    ) -> dict[str, Any] | None: ...

    async def delete(self, *, enterprise_id: str | None, team_id: str | None) -> None: ...


class StateRecords(Protocol):
    """One-time OAuth `state` values with an expiry."""

    async def issue(self, state: str, expires_at: datetime) -> None: ...

    async def consume(self, state: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class SlackPersistence:
    """Where an OAuth (multi-workspace) Slack app keeps installations and states."""

    installations: InstallationRecords
    states: StateRecords


def _fields(installation: Installation) -> dict[str, Any]:
    raw = installation.to_dict_for_copying()
    raw["installed_at"] = installation.installed_at
    return {k: v for k, v in raw.items() if v is not None}


class InstallationStore(AsyncInstallationStore):
    """slack-sdk's `AsyncInstallationStore` over `InstallationRecords`."""

    def __init__(self, records: InstallationRecords) -> None:
        self._records = records

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        team = None if installation.is_enterprise_install else installation.team_id
        await self._records.save(
            enterprise_id=installation.enterprise_id,
            team_id=team,
            is_enterprise_install=bool(installation.is_enterprise_install),
            installed_at=datetime.fromtimestamp(installation.installed_at, UTC),
            data=_fields(installation),
        )

    async def async_save_bot(self, bot: Bot) -> None:
        """Bots are saved with their installation (`async_save`); a lone bot is not stored."""

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = None if is_enterprise_install else team_id
        data = await self._records.find(enterprise_id=enterprise_id, team_id=team)
        if data is None:
            return None
        installation = Installation(**data)
        if user_id is not None and installation.user_id != user_id:
            return None
        return installation

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if installation is None or not installation.bot_token:
            return None
        return installation.to_bot()

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._records.delete(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)


class OAuthStateStore(AsyncOAuthStateStore):
    """slack-sdk's `AsyncOAuthStateStore` over `StateRecords`: states valid for ten minutes."""

    def __init__(self, records: StateRecords, ttl: timedelta = STATE_TTL) -> None:
        self._records = records
        self._ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        await self._records.issue(state, datetime.now(UTC) + self._ttl)
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; it cannot be used again."""
        return await self._records.consume(state)
