"""Who acted as a coordinator of a program state: core's `CoordinatorRepository`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.identity import PlatformUser
from storage.repositories import insert_ignoring_conflicts
from storage.tables import ProgramCoordinatorRow

_KEY = ["program_state_id", "platform", "workspace_id", "user_id"]


def _user(row: ProgramCoordinatorRow) -> PlatformUser:
    return PlatformUser(row.platform, row.workspace_id, row.user_id)


class SqlCoordinatorRepository:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def record(self, program_state_id: int, user: PlatformUser, at: datetime) -> None:
        key = {
            "program_state_id": program_state_id,
            "platform": user.platform,
            "workspace_id": user.workspace_id,
            "user_id": user.user_id,
        }
        table = ProgramCoordinatorRow.__table__  # type: ignore[attr-defined]
        await self._session.execute(
            insert_ignoring_conflicts(self._dialect, table, {**key, "last_seen_at": at}, _KEY)
        )
        await self._session.execute(
            update(table)
            .where(*(table.c[name] == value for name, value in key.items()))
            .where(table.c.last_seen_at < at)
            .values(last_seen_at=at)
        )

    async def of(self, program_state_id: int) -> list[PlatformUser]:
        rows = await self._session.scalars(
            select(ProgramCoordinatorRow)
            .where(ProgramCoordinatorRow.program_state_id == program_state_id)
            .order_by(
                ProgramCoordinatorRow.last_seen_at.desc(),  # type: ignore[attr-defined]
                ProgramCoordinatorRow.id,
            )
        )
        return [_user(row) for row in rows]

    async def last_seen_as(self, platform: str, user_id: str) -> PlatformUser | None:
        row = await self._session.scalar(
            select(ProgramCoordinatorRow)
            .where(
                ProgramCoordinatorRow.platform == platform,
                ProgramCoordinatorRow.user_id == user_id,
            )
            .order_by(ProgramCoordinatorRow.last_seen_at.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        return None if row is None else _user(row)


__all__ = ["SqlCoordinatorRepository"]
