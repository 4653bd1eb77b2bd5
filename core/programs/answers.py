"""Answer validation: one place that decides whether a value answers a question.

Answers are stored as plain JSON values: `str` for single choice, text and timezone,
`list[str]` for multi choice, `int` for scale, `float | int` for number, `None` when an
optional question was skipped. Both structured input (form fields, button clicks) and typed
text (shell, Matrix) go through here, so every platform rejects the same things with the
same reasons.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.programs.program import Question, QuestionKind

AnswerValue = str | int | float | list[str] | None

SKIP_WORDS = frozenset({"skip", "-", "none", "n/a"})

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class InvalidAnswer(ValueError):
    """The reason an answer was refused, worded for the person who gave it."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What a database refuses in text: NUL (PostgreSQL) and lone surrogates (not encodable)."""


def unstorable_problem(text: str) -> str | None:
    """Why `text` cannot be stored (a NUL character, a broken surrogate), or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return (
            f"It contains an invisible NUL character (at position {found.start() + 1}). "
            "Please remove it and try again."
        )
    return (
        f"It contains a broken character (U+{ord(found.group()):04X}, half of an emoji or "
        f"symbol, at position {found.start() + 1}). Please type it again."
    )


def _storable(value: Any) -> None:
    texts = value if isinstance(value, list | tuple) else [value]
    for text in texts:
        problem = unstorable_problem(text) if isinstance(text, str) else None
        if problem:
            raise InvalidAnswer(problem)


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def normalize_timezone(text: str) -> str:
    """Canonical answer: `europe/berlin` → `Europe/Berlin`; `UTC-3` → `-03:00`; `UTC` → `+00:00`."""
    cleaned = text.strip()
    if cleaned.lower() in ("utc", "gmt", "z"):
        return "+00:00"
    offset = _OFFSET.match(cleaned.replace(" ", ""))
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            raise InvalidAnswer(f"{cleaned!r} is not a UTC offset between -14:00 and +14:00.")
        return f"{sign}{hours:02d}:{minutes:02d}"
    name = _zone_names().get(cleaned.lower().replace(" ", "_"))
    if name is None:
        raise InvalidAnswer(
            f"{cleaned!r} is not a timezone I know. Use a name like Europe/Berlin or "
            "America/New_York, or an offset like +05:30."
        )
    return name


def zone_of(value: str) -> timezone | ZoneInfo:
    """The tzinfo of a normalized timezone answer."""
    offset = _OFFSET.match(value)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        return timezone(sign * delta)
    try:
        return ZoneInfo(value)
    except ZoneInfoNotFoundError:
        return UTC


def utc_offset_hours(value: str, at: datetime) -> float:
    """The UTC offset of a timezone answer at a moment, in hours (DST-aware for IANA names)."""
    if at.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    offset = at.astimezone(zone_of(value)).utcoffset()
    return (offset or timedelta()).total_seconds() / 3600


def choice_tokens(text: str, labels: list[str]) -> list[str]:
    """A typed choice answer in parts: the whole text when it is one label (labels may hold
    commas and spaces), else the parts between commas or semicolons, or between spaces when
    each word is a label or a number (`1 3`, `chat email`). Prompts and questions read typed
    choices alike with it."""
    whole = text.strip()
    known = {label.lower() for label in labels}
    if whole.lower() in known:
        return [whole]
    parts: list[str] = []
    for part in re.split(r"[,;]+", whole):
        words = part.split()
        if len(words) > 1 and all(w.lower() in known or w.isdecimal() for w in words):
            parts.extend(words)
        elif part.strip():
            parts.append(part.strip())
    return parts


def _choice(question: Question, token: str) -> str:
    token = token.strip()
    values = question.option_values()
    if token.isdecimal() and 1 <= int(token) <= len(values):
        return values[int(token) - 1]
    lowered = token.lower()
    for option in question.options:
        if lowered in (option.value.lower(), option.label.lower()):
            return option.value
    raise InvalidAnswer(
        f"{token!r} is not one of the options. Pick a number from 1 to {len(values)}."
    )


def _number(text: str) -> float:
    try:
        number = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidAnswer(f"{text.strip()!r} is not a number.") from None
    if not math.isfinite(number):
        raise InvalidAnswer("Please give a finite number.")
    return number


def parse_text_answer(question: Question, text: str) -> AnswerValue:
    """Read a typed answer (the text fallback of a form) and validate it."""
    stripped = text.strip()
    if not stripped or stripped.lower() in SKIP_WORDS:
        return validate_answer(question, None)
    kind = question.kind
    if kind.has_options:
        labels = [o.label for o in question.options] + list(question.option_values())
        tokens = choice_tokens(stripped, labels)
        if kind is QuestionKind.SINGLE_CHOICE:
            if len(tokens) != 1:
                raise InvalidAnswer("Please pick just one of the options.")
            return validate_answer(question, _choice(question, tokens[0]))
        return validate_answer(question, [_choice(question, t) for t in tokens])
    if kind in (QuestionKind.NUMBER, QuestionKind.SCALE):
        return validate_answer(question, _number(stripped))
    return validate_answer(question, stripped)


def validate_answer(question: Question, value: Any) -> AnswerValue:
    """Check a structured value against the question; return it normalized or raise."""
    if value is None or value == "" or value == []:
        if question.required:
            raise InvalidAnswer("This question needs an answer.")
        return None
    _storable(value)
    kind = question.kind
    if kind is QuestionKind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.option_values():
            raise InvalidAnswer("Please pick one of the options.")
        return value
    if kind is QuestionKind.MULTI_CHOICE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise InvalidAnswer("Please pick from the options.")
        options = question.option_values()
        unknown = [v for v in value if v not in options]
        if unknown:
            raise InvalidAnswer(f"{unknown[0]!r} is not one of the options.")
        chosen = list(dict.fromkeys(value))
        if question.max_choices is not None and len(chosen) > question.max_choices:
            raise InvalidAnswer(
                f"Please pick at most {question.max_choices} (you picked {len(chosen)})."
            )
        return chosen
    if kind is QuestionKind.TEXT:
        if not isinstance(value, str):
            raise InvalidAnswer("Please answer in words.")
        text = value.strip()
        if len(text) > question.text_limit:
            raise InvalidAnswer(
                f"Please keep it to {question.text_limit} characters (this is {len(text)})."
            )
        return text
    if kind is QuestionKind.TIMEZONE:
        if not isinstance(value, str):
            raise InvalidAnswer("Please give a timezone like Europe/Berlin or +05:30.")
        return normalize_timezone(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            value = _number(value)
        else:
            raise InvalidAnswer("Please give a number.")
    if not math.isfinite(value):
        raise InvalidAnswer("Please give a finite number.")
    if kind is QuestionKind.SCALE:
        low, high = question.scale_bounds
        if value != int(value) or not low <= value <= high:
            raise InvalidAnswer(f"Please give a whole number from {low} to {high}.")
        return int(value)
    if question.min is not None and value < question.min:
        raise InvalidAnswer(f"Please give a number of at least {question.min:g}.")
    if question.max is not None and value > question.max:
        raise InvalidAnswer(f"Please give a number of at most {question.max:g}.")
    return int(value) if value == int(value) else value


def describe_answer(question: Question, value: AnswerValue) -> str:
    """An answer as a person reads it (labels, not values)."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(question.label_of(v) for v in value) or "—"
    if question.kind is QuestionKind.SINGLE_CHOICE and isinstance(value, str):
        return question.label_of(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
