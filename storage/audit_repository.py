"""The audit log of coordinators' actions: core's `AuditLog`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import AuditEntry
from core.identity import PlatformUser
from storage.tables import AuditEntryRow


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        program_state_id=row.program_state_id,
        actor=PlatformUser(row.platform, row.workspace_id, row.user_id),
        actor_name=row.actor_name,
        action=row.action,
        at=row.at,
        detail=row.detail,
        id=row.id,
    )


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, entry: AuditEntry) -> None:
        self._session.add(
            AuditEntryRow(
                program_state_id=entry.program_state_id,
                platform=entry.actor.platform,
                workspace_id=entry.actor.workspace_id,
                user_id=entry.actor.user_id,
                actor_name=entry.actor_name[:255],
                action=entry.action,
                detail=entry.detail[:500],
                at=entry.at,
            )
        )
        await self._session.flush()

    async def page(self, program_state_id: int, offset: int, limit: int) -> list[AuditEntry]:
        rows = await self._session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.program_state_id == program_state_id)
            .order_by(
                AuditEntryRow.at.desc(),  # type: ignore[attr-defined]
                AuditEntryRow.id.desc(),  # type: ignore[union-attr]
            )
            .offset(offset)
            .limit(limit)
        )
        return [_entry(row) for row in rows]

    async def count(self, program_state_id: int) -> int:
        total = await self._session.scalar(
            select(func.count())
            .select_from(AuditEntryRow)
            .where(AuditEntryRow.program_state_id == program_state_id)
        )
        return int(total or 0)


__all__ = ["SqlAuditLog"]
