"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """`TIMESTAMP WITH TIME ZONE` that always hands back timezone-aware UTC datetimes.

    PostgreSQL keeps the instant; SQLite has no timezone type and stores text, so values are
    converted to UTC before writing and marked UTC after reading. Naive datetimes are refused:
    core works in aware UTC, and a naive value would be silently ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware UTC value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> JSON:
    """A JSON column where Python `None` is stored as JSON `null` (an answer may be None)."""
    return JSON(none_as_null=False)


JSONValue = Any

__all__ = ["JSONValue", "UTCDateTime", "json_type"]
