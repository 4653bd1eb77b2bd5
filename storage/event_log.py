"""Platform event ids already processed, shared by every instance on the same database.

Slack retries an event it thinks was lost (`X-Slack-Retry-Num`) to whichever instance the load
balancer picks; an in-memory set per instance would process it twice. `first_time` inserts the
id with ON CONFLICT DO NOTHING, so exactly one instance sees True.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field

from storage.tables import TableBase
from storage.types import UTCDateTime

KEEP = timedelta(days=1)  # Slack gives up retrying within the hour


class ProcessedEventRow(TableBase, table=True):
    __tablename__: ClassVar[str] = "processed_event"

    key: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class EventLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def first_time(self, key: str) -> bool:
        """True for the first instance to see `key`; False for every repeat, on any instance."""
        now = datetime.now(UTC)
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(ProcessedEventRow)
            .values(key=key[:255], seen_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        old = delete(ProcessedEventRow).where(ProcessedEventRow.seen_at < now - KEEP)  # type: ignore[arg-type]
        async with self._engine.begin() as connection:
            inserted = (await connection.execute(statement)).rowcount == 1
            await connection.execute(old)  # an index range: cheap, and the table stays small
        return inserted
