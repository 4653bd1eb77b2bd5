"""Quiet hours: move a reminder's due time to when its recipients are awake.

A program's quiet hours (`QuietHours(start, end)`, hours of the day, default 21→8) apply in each
recipient's own timezone. `waking_time` finds the first moment at or after `due` that is outside
quiet hours for every recipient at once (a match has two or more people, maybe on different
continents). When no such moment exists within a day — people in opposite zones whose waking hours
never overlap — the first zone wins: the reminder goes out in that person's morning.

Everything is computed on aware instants, and local wall-clock times go through `zoneinfo`, so
daylight-saving changes are handled: a quiet end that falls into a spring-forward gap (say 02:00
on a night where 02:00–03:00 does not exist) means the moment of the jump; an ambiguous time in
the autumn repeats is taken at its first occurrence; and "awake" is always decided from the local
hour of the actual instant, never from arithmetic on offsets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo

from core.programs.answers import zone_of
from core.programs.program import QuietHours

HORIZON = timedelta(hours=24)
"""How far ahead a moment that suits everyone is looked for before the first zone wins."""


def resolve_zone(value: str | None) -> tzinfo:
    """The tzinfo of a timezone answer; None, empty or unknown answers mean UTC."""
    if not value:
        return UTC
    try:
        return zone_of(value)
    except (ValueError, OSError):  # e.g. ZoneInfo("../x") refuses the key, a broken tzdata file
        return UTC


def is_quiet(at: datetime, zone: tzinfo, quiet: QuietHours) -> bool:
    """Whether `at` falls in quiet hours in `zone`. `start == end` means no quiet hours."""
    hour = at.astimezone(zone).hour
    if quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:  # e.g. 1 → 6: quiet within one day
        return quiet.start <= hour < quiet.end
    return hour >= quiet.start or hour < quiet.end  # wraps midnight, e.g. 21 → 8


def _quiet_ends(due: datetime, zone: tzinfo, quiet: QuietHours) -> Iterator[datetime]:
    """Instants around `due` (a day before to two after) when local time reads `end`:00.

    Both folds are produced, so an ambiguous local time yields both of its instants and a
    nonexistent one yields the instant of the jump (fold=0 reads it with the offset before the
    change). Callers check every candidate against `is_quiet`, so extra candidates are harmless.
    """
    local_day = due.astimezone(zone).date()
    for offset in range(-1, 3):
        day = local_day + timedelta(days=offset)
        for fold in (0, 1):
            wall = datetime.combine(day, time(quiet.end), tzinfo=zone).replace(fold=fold)
            yield wall.astimezone(UTC)


def _first_awake(due: datetime, zones: Sequence[tzinfo], quiet: QuietHours) -> datetime | None:
    """The first instant ≥ due within the horizon when nobody in `zones` is in quiet hours.

    Such an instant is either `due` itself or the end of some zone's quiet hours (the start of
    an intersection of awake intervals is the start of one of them), so only those are tried.
    """
    candidates = {due}
    for zone in zones:
        candidates.update(c for c in _quiet_ends(due, zone, quiet) if c >= due)
    for candidate in sorted(candidates):
        if candidate - due > HORIZON:
            break
        if not any(is_quiet(candidate, zone, quiet) for zone in zones):
            return candidate
    return None


def waking_time(due: datetime, zones: Sequence[str | None], quiet: QuietHours) -> datetime:
    """The first moment ≥ `due` outside `quiet` hours for every zone (None/unknown zone = UTC).

    When the zones' waking hours do not overlap within 24 hours, the first zone's waking time.
    `due` must be timezone-aware; the result is in UTC (equal to `due` when nobody is asleep).
    """
    if due.utcoffset() is None:
        raise ValueError(f"naive datetime {due.isoformat()} given; use an aware value")
    due = due.astimezone(UTC)
    resolved = [resolve_zone(zone) for zone in zones] or [UTC]
    together = _first_awake(due, resolved, quiet)
    if together is not None:
        return together
    alone = _first_awake(due, resolved[:1], quiet)
    if alone is None:  # pragma: no cover - one zone is awake at least an hour a day
        raise AssertionError(f"no waking time within a day for quiet hours {quiet}")
    return alone


__all__ = ["HORIZON", "is_quiet", "resolve_zone", "waking_time"]
