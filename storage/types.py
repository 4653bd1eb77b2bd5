"""Column types shared by the tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


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


class SQLiteJSON(TypeDecorator[Any]):
    """JSON stored as TEXT, for SQLite.

    A column declared `JSON` has NUMERIC affinity in SQLite, which turns the JSON text `2.0` into
    the integer 2 and so loses the float. TEXT affinity keeps the document as written; SQLite's
    json_* functions work on it all the same.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def json_type() -> TypeEngine[Any]:
    """A JSON column: `JSON` on PostgreSQL, JSON text on SQLite; Python None is JSON `null`."""
    return JSON(none_as_null=False).with_variant(SQLiteJSON(), "sqlite")


__all__ = ["SQLiteJSON", "UTCDateTime", "json_type"]
