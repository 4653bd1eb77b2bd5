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
from sqlmodel import Field

from storage.store import SqlStore
from storage.tables import TableBase
from storage.types import UTCDateTime

KEEP = timedelta(days=1)  # Slack gives up retrying within the hour


class ProcessedEventRow(TableBase, table=True):
    __tablename__: ClassVar[str] = "processed_event"

    key: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class EventLog:
    """The `processed_event` table, shared by every adapter: keys are `platform:event id`."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store  # its transactions take turns on an in-memory database

    async def first_time(self, platform: str, event_id: str) -> bool:
        """True for the first instance to see this platform's event; False for every repeat."""
        key = f"{platform}:{event_id}"
        now = datetime.now(UTC)
        dialect = postgresql if self._store.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(ProcessedEventRow)
            .values(key=key[:255], seen_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        old = delete(ProcessedEventRow).where(ProcessedEventRow.seen_at < now - KEEP)  # type: ignore[arg-type]
        async with self._store.transaction() as uow:
            inserted = (await uow.session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]
            await uow.session.execute(old)  # an index range: cheap, and the table stays small
        return inserted
