"""Slack OAuth: the installation store and the OAuth state store, in the bot's own database.

slack-sdk's `AsyncInstallationStore` and `AsyncOAuthStateStore` on the async engine, so a
multi-workspace install (Bolt's `/slack/install` → `/slack/oauth_redirect`) needs no extra
service and several instances behind a load balancer share the installations. One row per
workspace (enterprise id + team id; `""` when absent, so the unique constraint holds): the latest
installation, kept as slack-sdk's own fields in `data`. Tokens are stored as the database keeps
them — protect the database like the tokens themselves.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import String, Text, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import Field

from storage.tables import TableBase
from storage.types import UTCDateTime

log = logging.getLogger(__name__)
STATE_TTL = timedelta(minutes=10)


class SlackInstallationRow(TableBase, table=True):
    """The latest installation of mentorbot in one Slack workspace (or Enterprise Grid org)."""

    __tablename__: ClassVar[str] = "slack_installation"
    __table_args__ = (UniqueConstraint("client_id", "enterprise_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(default="", sa_type=String(64))
    enterprise_id: str = Field(default="", sa_type=String(32))
    team_id: str = Field(default="", sa_type=String(32))
    is_enterprise_install: bool = Field(default=False)
    installed_at: datetime = Field(sa_type=UTCDateTime)
    data: str = Field(sa_type=Text, description="slack-sdk Installation fields as JSON")


class SlackOAuthStateRow(TableBase, table=True):
    """A one-time `state` of an OAuth install in progress (CSRF protection)."""

    __tablename__: ClassVar[str] = "slack_oauth_state"
    __table_args__ = (UniqueConstraint("state"),)

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(sa_type=String(64))
    expires_at: datetime = Field(sa_type=UTCDateTime)


def _fields(installation: Installation) -> dict[str, Any]:
    raw = installation.to_dict_for_copying()
    raw["installed_at"] = installation.installed_at
    return {k: v for k, v in raw.items() if v is not None}


class SqlInstallationStore(AsyncInstallationStore):
    """Installations in the `slack_installation` table, for one Slack app (`client_id`)."""

    def __init__(self, engine: AsyncEngine, client_id: str = "") -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _row(
        self, session: AsyncSession, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallationRow | None:
        query = select(SlackInstallationRow).where(
            SlackInstallationRow.client_id == self._client_id,
            SlackInstallationRow.enterprise_id == (enterprise_id or ""),
            SlackInstallationRow.team_id == (team_id or ""),
        )
        return (await session.execute(query)).scalars().first()

    async def async_save(self, installation: Installation) -> None:
        team = None if installation.is_enterprise_install else installation.team_id
        async with self._sessions.begin() as session:
            row = await self._row(session, installation.enterprise_id, team)
            if row is None:
                row = SlackInstallationRow(
                    client_id=self._client_id,
                    enterprise_id=installation.enterprise_id or "",
                    team_id=team or "",
                    installed_at=datetime.now(UTC),
                    data="{}",
                )
                session.add(row)
            row.is_enterprise_install = bool(installation.is_enterprise_install)
            row.installed_at = datetime.fromtimestamp(installation.installed_at, UTC)
            row.data = json.dumps(_fields(installation))

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
        async with self._sessions() as session:
            row = await self._row(session, enterprise_id, team)
        if row is None:
            return None
        installation = Installation(**json.loads(row.data))
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
        async with self._sessions.begin() as session:
            await session.execute(
                delete(SlackInstallationRow).where(
                    SlackInstallationRow.client_id == self._client_id,
                    SlackInstallationRow.enterprise_id == (enterprise_id or ""),
                    SlackInstallationRow.team_id == (team_id or ""),
                )
            )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """One-time OAuth `state` values in `slack_oauth_state`, valid for ten minutes."""

    def __init__(self, engine: AsyncEngine, ttl: timedelta = STATE_TTL) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            await session.execute(
                delete(SlackOAuthStateRow).where(SlackOAuthStateRow.expires_at < now)
            )
            session.add(SlackOAuthStateRow(state=state, expires_at=now + self._ttl))
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; it cannot be used again."""
        async with self._sessions.begin() as session:
            row = (
                (
                    await session.execute(
                        select(SlackOAuthStateRow).where(SlackOAuthStateRow.state == state)
                    )
                )
                .scalars()
                .first()
            )
            if row is None:
                return False
            await session.delete(row)
            return row.expires_at > datetime.now(UTC)
