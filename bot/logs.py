"""Logging: readable lines by default, one JSON object per line with MENTORBOT_LOG_FORMAT=json.

Logs go to stderr, or to MENTORBOT_LOG_FILE; stdout is the shell's conversation alone.

Nothing logs answer text or message content; as a second line of defence a filter replaces any
configured secret value that still reaches a record, and another hides the row values a
database error carries (PostgreSQL's `DETAIL:  Key (name)=(…)`, `Failing row contains (…)`,
`invalid input syntax for type integer: "…"`, asyncpg's `invalid input for query argument $1:
"…"`): SQL parameters are people's answers.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

REDACTED = "[redacted]"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _exception_text(record: logging.LogRecord) -> str | None:
    """The record's traceback as text, formatted once (a filter may then rewrite it)."""
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    return record.exc_text


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            record.msg, record.args = self._redact(message), None
        trace = _exception_text(record)
        if trace and any(secret in trace for secret in self._secrets):
            record.exc_text = self._redact(trace)
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


_ROW_VALUES = (
    # a DETAIL line: `Key (name)=(…) already exists.`, `Failing row contains (…).`
    (re.compile(r"^(\s*DETAIL:)[^\n]*", re.MULTILINE), rf"\1  {REDACTED}"),
    # a value the type refused, in the error's own message
    (
        re.compile(r"(invalid input (?:syntax|value) for [^:\n]*:) [^\n]*"),
        rf"\1 {REDACTED}",
    ),
    # asyncpg refusing a parameter before sending it: `… argument $1: 'value' (why)`
    (
        re.compile(r"(invalid input for query argument \$\d+:) [^\n]*?( \([^()\n]*\))?$", re.M),
        rf"\1 {REDACTED}\2",
    ),
    (
        re.compile(r"\bKey \(([^)\n]*)\)=\([^\n]*\)(?= |\.|$)", re.MULTILINE),
        rf"Key (\1)={REDACTED}",
    ),
    (re.compile(r"Failing row contains \([^\n]*\)"), f"Failing row contains {REDACTED}"),
)


def _details(error: BaseException | None) -> Iterator[str]:
    """The detail texts of an exception and its causes (asyncpg's `detail`, psycopg's
    `diag.message_detail`): they hold row values, over several lines if a value does."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for detail in (
            getattr(error, "detail", None),
            getattr(getattr(error, "diag", None), "message_detail", None),
        ):
            if isinstance(detail, str) and detail:
                yield detail
        error = error.__cause__ or error.__context__


def hide_row_values(text: str, details: Sequence[str] = ()) -> str:
    """`text` without the row values a database error quotes (see the module doc)."""
    for detail in sorted(details, key=len, reverse=True):
        text = text.replace(detail, REDACTED)
    for pattern, replacement in _ROW_VALUES:
        text = pattern.sub(replacement, text)
    return text


class HideRowValues(logging.Filter):
    """Row values quoted by database errors, removed from messages and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        details = list(_details(error))
        message = record.getMessage()
        hidden = hide_row_values(message, details)
        if hidden != message:
            record.msg, record.args = hidden, None
        trace = _exception_text(record)
        if trace:
            record.exc_text = hide_row_values(trace, details)
        return True


def configure_logging(
    level: str,
    fmt: str,
    secrets: Sequence[str] = (),
    stream: object = None,
    *,
    file: Path | None = None,
) -> logging.Handler:
    """Install one handler on the root logger (replacing earlier ones) and return it.

    Logs go to `file` (appended) when given, else to `stream` (stderr by default) — never to
    stdout, which is the shell's conversation.
    """
    handler: logging.Handler
    if file is not None:
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(HideRowValues())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiosqlite", "asyncio", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
