"""Pure input handling: answers, typed choices, durations, and text shown to others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.content import Choice, Prompt, parse_choice_text, user_text
from core.durations import InvalidDuration, describe_duration, parse_duration
from core.markup import Kind, Line, Span, parse
from core.programs.answers import (
    InvalidAnswer,
    normalize_timezone,
    parse_text_answer,
    utc_offset_hours,
    validate_answer,
)
from core.programs.program import Question


def question(**fields: object) -> Question:
    return Question.model_validate({"id": "q", "ask": "both", "prompt": "Q?", **fields})


CHOICES = question(kind="multi_choice", options=["a", "b", "c"], max_choices=2)
SCALE = question(kind="scale", min=1, max=5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("+5:30", "+05:30"),
        ("UTC-3", "-03:00"),
        ("gmt+0100", "+01:00"),
        ("utc", "+00:00"),
    ],
)
def test_timezones_are_normalized(text: str, expected: str) -> None:
    assert normalize_timezone(text) == expected


@pytest.mark.parametrize("text", ["Mars/Olympus", "+15:00", "+03:75", "soon"])
def test_bad_timezones_are_refused(text: str) -> None:
    with pytest.raises(InvalidAnswer):
        normalize_timezone(text)


def test_offsets_follow_daylight_saving() -> None:
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, tzinfo=UTC)
    assert utc_offset_hours("Europe/Berlin", winter) == 1
    assert utc_offset_hours("Europe/Berlin", summer) == 2
    assert utc_offset_hours("+05:30", summer) == 5.5
    assert utc_offset_hours("-03:00", winter) == -3


def test_typed_answers() -> None:
    assert parse_text_answer(CHOICES, "1, 3") == ["a", "c"]
    assert parse_text_answer(CHOICES, "b;a;b") == ["b", "a"]
    with pytest.raises(InvalidAnswer, match="at most 2"):
        parse_text_answer(CHOICES, "1 2 3")
    with pytest.raises(InvalidAnswer, match="from 1 to 5"):
        parse_text_answer(SCALE, "6")
    with pytest.raises(InvalidAnswer, match="from 1 to 5"):
        parse_text_answer(SCALE, "2.5")
    assert parse_text_answer(SCALE, "4") == 4
    number = question(kind="number", min=0)
    assert parse_text_answer(number, "2,5") == 2.5
    with pytest.raises(InvalidAnswer, match="finite"):
        parse_text_answer(number, "inf")
    assert validate_answer(question(kind="text", required=False), "") is None


def test_structured_values_of_the_wrong_type_are_refused() -> None:
    single = question(kind="single_choice", options=["x", "y"])
    with pytest.raises(InvalidAnswer):
        validate_answer(single, ["x"])
    with pytest.raises(InvalidAnswer):
        validate_answer(CHOICES, [1, 2])
    with pytest.raises(InvalidAnswer):
        validate_answer(question(kind="number"), True)
    with pytest.raises(InvalidAnswer):
        validate_answer(question(kind="text"), 5)


def test_typed_choices_for_prompts() -> None:
    prompt = Prompt("p", "Pick", (Choice("yes", "Yes, leave"), Choice("no", "No")))
    assert parse_choice_text(prompt, "1") == ("yes",)
    assert parse_choice_text(prompt, "no") == ("no",)
    assert parse_choice_text(prompt, "1, 2") is None  # single choice
    assert parse_choice_text(prompt, "maybe") is None
    assert parse_choice_text(prompt, "7") is None


@pytest.mark.parametrize(
    ("text", "delta"),
    [("2w", timedelta(weeks=2)), ("10d", timedelta(days=10)), ("1w2d", timedelta(days=9))],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "soon", "0d", "2y", "400d", "-1d", "99999999999999999999d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


def test_describe_duration() -> None:
    assert describe_duration(timedelta(weeks=2)) == "2 weeks"
    assert describe_duration(timedelta(days=1, hours=3)) == "1 day 3 hours"


@pytest.mark.parametrize(
    "attack", ["@everyone hi", "@here", "@room", "<!channel>", "<@U123>", "<#C1|x>", "*bold*"]
)
def test_user_text_is_one_literal_span_never_markup(attack: str) -> None:
    """Core marks what people type; each adapter escapes it (tests/adapters/test_renderers.py)."""
    (line,) = parse(f"Hi *{user_text(attack)}*")
    assert isinstance(line, Line)
    assert Span(Kind.LITERAL, attack, bold=True) in line.spans


@given(st.text(max_size=200))
def test_user_text_cannot_forge_or_escape_its_marks(text: str) -> None:
    spans = [
        span
        for block in parse(f"a {user_text(text)} `b`")
        if isinstance(block, Line)
        for span in block.spans
    ]
    literal = [span for span in spans if span.kind is Kind.LITERAL]
    assert len(literal) <= 1 + text.count("\n")
    assert [span.text for span in spans if span.kind is Kind.CODE] == ["b"]
    assert not any(span.kind is Kind.MENTION for span in spans)


def test_typed_choices_read_alike_for_prompts_and_questions() -> None:
    """One reading of typed choices (`choice_tokens`): labels with spaces or commas, numbers
    with or without commas, values separated by spaces; digits that are not numbers refused."""
    topics = question(
        kind="multi_choice",
        options=[{"value": "career", "label": "Career growth"}, "chat", "email"],
    )
    assert parse_text_answer(topics, "Career growth") == ["career"]
    assert parse_text_answer(topics, "chat email") == ["chat", "email"]
    assert parse_text_answer(topics, "1 3") == ["career", "email"]
    single = question(kind="single_choice", options=["x", "y"])
    assert parse_text_answer(single, "2;") == "y"
    with pytest.raises(InvalidAnswer, match="just one"):
        parse_text_answer(single, "1, 2")
    with pytest.raises(InvalidAnswer):
        parse_text_answer(single, "²")
    prompt = Prompt("p", "Pick", (Choice("x", "x"), Choice("y", "y")))
    assert parse_choice_text(prompt, "²") is None
    assert parse_choice_text(prompt, "2;") == ("y",)
