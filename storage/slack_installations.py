"""Slack OAuth records in the bot's own database: installations and one-time OAuth states.

Plain data in, plain data out: storage knows the tables, not slack-sdk. The Slack adapter wraps
these in slack-sdk's `AsyncInstallationStore` / `AsyncOAuthStateStore` (`adapters.slack.oauth`),
and the composition root hands them over. So a multi-workspace install (Bolt's `/slack/install` →
`/slack/oauth_redirect`) needs no extra service and several instances behind a load balancer
share the installations. One row per workspace (enterprise id + team id; `""` when absent, so the
unique constraint holds): the latest installation, kept as slack-sdk's own fields in `data`.
Tokens are stored as the database keeps them — protect the database like the tokens themselves.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import String, Text, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import Field

from storage.tables import TableBase
from storage.types import UTCDateTime


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


class SqlSlackInstallations:
    """Installations of one Slack app (`client_id`), as dicts of slack-sdk's own fields."""

    def __init__(self, engine: AsyncEngine, client_id: str = "") -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._client_id = client_id

    async def _row(
        self, session: AsyncSession, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallationRow | None:
        query = select(SlackInstallationRow).where(
            SlackInstallationRow.client_id == self._client_id,
            SlackInstallationRow.enterprise_id == (enterprise_id or ""),
            SlackInstallationRow.team_id == (team_id or ""),
        )
        return (await session.execute(query)).scalars().first()

    async def save(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool,
        installed_at: datetime,
        data: dict[str, Any],
    ) -> None:
        """Insert or replace the workspace's installation (`team_id` None for an org install)."""
        async with self._sessions.begin() as session:
            row = await self._row(session, enterprise_id, team_id)
            if row is None:
                row = SlackInstallationRow(
                    client_id=self._client_id,
                    enterprise_id=enterprise_id or "",
                    team_id=team_id or "",
                    installed_at=installed_at,
                    data="{}",
                )
                session.add(row)
            row.is_enterprise_install = is_enterprise_install
            row.installed_at = installed_at
            row.data = json.dumps(data)

    async def find(
        self, *, enterprise_id: str | None, team_id: str | None
    ) -> dict[str, Any] | None:
        """The saved fields of the workspace's installation, or None."""
        async with self._sessions() as session:
            row = await self._row(session, enterprise_id, team_id)
        return None if row is None else dict(json.loads(row.data))

    async def delete(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(SlackInstallationRow).where(
                    SlackInstallationRow.client_id == self._client_id,
                    SlackInstallationRow.enterprise_id == (enterprise_id or ""),
                    SlackInstallationRow.team_id == (team_id or ""),
                )
            )


class SqlSlackOAuthStates:
    """One-time OAuth `state` values in `slack_oauth_state`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def issue(self, state: str, expires_at: datetime) -> None:
        """Keep `state` until `expires_at` (and forget the expired ones)."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(SlackOAuthStateRow).where(SlackOAuthStateRow.expires_at < datetime.now(UTC))
            )
            session.add(SlackOAuthStateRow(state=state, expires_at=expires_at))

    async def consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; it cannot be used again."""
        async with self._sessions.begin() as session:
            query = select(SlackOAuthStateRow).where(SlackOAuthStateRow.state == state)
            row = (await session.execute(query)).scalars().first()
            if row is None:
                return False
            await session.delete(row)
            return row.expires_at > datetime.now(UTC)
