"""Quiet hours: timezones, DST transitions, offsets, wrap-around windows, unknown zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.programs.program import QuietHours
from core.reminders.quiet_hours import is_quiet, resolve_zone, waking_time

NIGHT = QuietHours(start=21, end=8)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("due", "zones", "quiet", "expected"),
    [
        pytest.param(
            local("Europe/Berlin", 2026, 3, 2, 23, 30),
            ["Europe/Berlin"],
            NIGHT,
            local("Europe/Berlin", 2026, 3, 3, 8),
            id="late evening waits for the morning",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 3, 3, 6, 59, 59),
            ["Europe/Berlin"],
            NIGHT,
            local("Europe/Berlin", 2026, 3, 3, 8),
            id="early morning",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 3, 3, 14, 15, 7),
            ["Europe/Berlin"],
            NIGHT,
            local("Europe/Berlin", 2026, 3, 3, 14, 15, 7),
            id="awake: unchanged to the microsecond",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 3, 3, 8),
            ["Europe/Berlin"],
            NIGHT,
            local("Europe/Berlin", 2026, 3, 3, 8),
            id="quiet end is awake",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 3, 3, 21),
            ["Europe/Berlin"],
            NIGHT,
            local("Europe/Berlin", 2026, 3, 4, 8),
            id="quiet start is quiet",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 3, 28, 22),
            ["Europe/Berlin"],
            NIGHT,
            utc(2026, 3, 29, 6),  # 08:00 CEST, the night was an hour shorter
            id="Berlin spring forward",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 3, 29, 1, 30),
            ["Europe/Berlin"],
            QuietHours(start=22, end=2),
            utc(2026, 3, 29, 1),  # 02:00 does not exist: the moment of the jump (03:00 CEST)
            id="Berlin quiet end in the spring gap",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 10, 24, 23),
            ["Europe/Berlin"],
            NIGHT,
            utc(2026, 10, 25, 7),  # 08:00 CET
            id="Berlin fall back",
        ),
        pytest.param(
            local("Europe/Berlin", 2026, 10, 25, 1, 30),
            ["Europe/Berlin"],
            QuietHours(start=0, end=2),
            utc(2026, 10, 25, 0),  # 02:00 CEST, the first of the two 02:00s
            id="Berlin ambiguous quiet end",
        ),
        pytest.param(
            local("America/New_York", 2026, 3, 7, 22),
            ["America/New_York"],
            NIGHT,
            utc(2026, 3, 8, 12),  # 08:00 EDT
            id="New York spring forward",
        ),
        pytest.param(
            local("America/New_York", 2026, 10, 31, 23, 45),
            ["America/New_York"],
            NIGHT,
            utc(2026, 11, 1, 13),  # 08:00 EST
            id="New York fall back",
        ),
        pytest.param(
            utc(2026, 3, 2, 16),  # 21:30 at +05:30
            ["+05:30"],
            NIGHT,
            utc(2026, 3, 3, 2, 30),
            id="offset zone",
        ),
        pytest.param(
            utc(2026, 3, 2, 16),
            ["Asia/Kolkata"],
            NIGHT,
            utc(2026, 3, 3, 2, 30),
            id="Asia/Kolkata",
        ),
        pytest.param(
            utc(2026, 3, 2, 23), [None], NIGHT, utc(2026, 3, 3, 8), id="no timezone means UTC"
        ),
        pytest.param(
            utc(2026, 3, 2, 23), [], NIGHT, utc(2026, 3, 3, 8), id="nobody given means UTC"
        ),
        pytest.param(
            utc(2026, 3, 2, 23),
            ["Mars/Olympus_Mons"],
            NIGHT,
            utc(2026, 3, 3, 8),
            id="unknown zone means UTC",
        ),
        pytest.param(
            utc(2026, 3, 2, 3), [None], QuietHours(start=1, end=6), utc(2026, 3, 2, 6), id="1→6"
        ),
        pytest.param(
            utc(2026, 3, 2, 0, 59),
            [None],
            QuietHours(start=1, end=6),
            utc(2026, 3, 2, 0, 59),
            id="1→6 before the window",
        ),
        pytest.param(
            utc(2026, 3, 2, 3), [None], QuietHours(start=9, end=9), utc(2026, 3, 2, 3), id="none"
        ),
        pytest.param(
            utc(2026, 3, 2, 12),  # Berlin 13:00 awake, New York 07:00 asleep
            ["Europe/Berlin", "America/New_York"],
            NIGHT,
            utc(2026, 3, 2, 13),  # New York's 08:00, Berlin's 14:00
            id="two zones: first moment both are awake",
        ),
        pytest.param(
            utc(2026, 3, 2, 18),
            ["Europe/Berlin", "Pacific/Auckland"],
            QuietHours(start=18, end=8),  # awake 07–17 UTC vs 19–05 UTC: never together
            utc(2026, 3, 3, 7),  # Berlin's morning
            id="opposite zones: the first zone's morning",
        ),
        pytest.param(
            utc(2026, 3, 2, 18),
            ["Pacific/Auckland", "Europe/Berlin"],
            QuietHours(start=18, end=8),
            utc(2026, 3, 2, 19),  # Auckland's 08:00 (NZDT, +13)
            id="opposite zones, other order",
        ),
    ],
)
def test_waking_time(
    due: datetime, zones: list[str | None], quiet: QuietHours, expected: datetime
) -> None:
    result = waking_time(due, zones, quiet)
    assert result == expected
    assert result.tzinfo is UTC


def test_waking_time_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        waking_time(datetime(2026, 3, 2, 12), ["Europe/Berlin"], NIGHT)


def test_resolve_zone() -> None:
    assert resolve_zone(None) is UTC
    assert resolve_zone("") is UTC
    assert resolve_zone("../../etc/passwd") is UTC
    assert resolve_zone("Europe/Berlin") == BERLIN
    assert utc(2026, 3, 2, 12).astimezone(resolve_zone("-03:00")).hour == 9


ZONES = [
    None,
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "+05:30",
    "-09:30",
    "nowhere",
]


@settings(max_examples=400, deadline=None)
@given(
    due=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2035, 12, 31),
        timezones=st.just(UTC),
    ),
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=4),
    start=st.integers(0, 23),
    end=st.integers(0, 23),
)
def test_waking_time_properties(
    due: datetime, zones: list[str | None], start: int, end: int
) -> None:
    quiet = QuietHours(start=start, end=end)
    result = waking_time(due, zones, quiet)
    assert result >= due
    assert result - due < timedelta(hours=25)
    assert not is_quiet(result, resolve_zone(zones[0]), quiet)
    everyone_awake = not any(is_quiet(result, resolve_zone(z), quiet) for z in zones)
    if not any(is_quiet(due, resolve_zone(z), quiet) for z in zones):
        assert result == due
    if everyone_awake and result > due:
        # The first such moment: a minute earlier someone was still asleep (or it is `due`).
        before = max(due, result - timedelta(minutes=1))
        assert before == due or any(is_quiet(before, resolve_zone(z), quiet) for z in zones)
