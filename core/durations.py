"""Durations people type: `2w`, `10d`, `36h`, `1w2d`, `90m`."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*(w|d|h|m)", re.IGNORECASE)
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
_UNITS["m"] = timedelta(minutes=1)
MAX_DURATION = timedelta(days=366)


class InvalidDuration(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise InvalidDuration(
            f"{text.strip()!r} is not a duration. Use a number and a unit: "
            "2w (weeks), 10d (days), 36h (hours), 90m (minutes), or a mix like 1w2d."
        )
    parts = [(int(n), u) for n, u in _PART.findall(cleaned)]
    if any(n > MAX_DURATION.total_seconds() // 60 for n, _ in parts):  # more than a year
        raise InvalidDuration("The duration can be at most a year.")
    total = sum((n * _UNITS[u] for n, u in parts), start=timedelta())
    if total <= timedelta(0):
        raise InvalidDuration("The duration must be longer than zero.")
    if total > MAX_DURATION:
        raise InvalidDuration("The duration can be at most a year.")
    return total


def describe_duration(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    parts = []
    if days >= 7 and days % 7 == 0:
        parts.append(f"{days // 7} week{'s' if days // 7 != 1 else ''}")
    elif days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if seconds >= 3600:
        parts.append(f"{seconds // 3600} hour{'s' if seconds // 3600 != 1 else ''}")
    if seconds % 3600 >= 60:
        minutes = (seconds % 3600) // 60
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) or "0 minutes"
