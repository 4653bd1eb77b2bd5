"""Each match rule's formula against hand-computed scores, and the hard constraints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import mentee, mentor, round_input

from core.matching import Candidate, match
from core.programs.program import Program, Role


def only_score(program: Program, e: Candidate, r: Candidate, **extra: object) -> float | None:
    result = match(round_input(program, [e, r], **extra))
    return result.matches[0].score if result.matches else None


def test_every_rule_adds_its_component(program: Program) -> None:
    e = mentee(
        "ana",
        topics_wanted=["career", "leadership", "python"],
        languages=["es"],
        timezone="+00:00",
        years_experience=2,
        department="sales",
        availability="light",
    )
    r = mentor(
        "bo",
        topics_offered=["career", "leadership"],
        languages=["es", "en"],
        timezone="+01:30",
        years_experience=6,
        department="tech",
        availability="light",
    )
    # overlap 3·2/3 = 2, same language 2, timezone 1·(1 − 1.5/6) = 0.75, min_gap 1,
    # different department 1, same availability 1
    assert only_score(program, e, r) == pytest.approx(7.75)  # fmt: skip


def test_components_that_do_not_apply_add_nothing(program: Program) -> None:
    e = mentee("ana", topics_wanted=["career", "python"], years_experience=8, department="tech")
    r = mentor("bo", years_experience=10, department="tech", availability="light")
    # overlap 3·1/2, language 2, timezone 1, years gap 2 < 3, same department, no availability
    assert only_score(program, e, r) == pytest.approx(4.5)


def test_timezone_gap_is_circular_and_exact(program: Program) -> None:
    e = mentee("ana", timezone="+11:00")
    r = mentor("bo", timezone="-11:00")
    # 22 h apart one way, 2 h the other: 3 + 2 + (1 − 2/6) + 1
    assert only_score(program, e, r) == pytest.approx(6 + 2 / 3, abs=1e-4)


def test_timezone_is_dst_aware(program: Program) -> None:
    e = mentee("ana", timezone="Europe/London")
    r = mentor("bo", timezone="America/New_York")
    winter = only_score(program, e, r, at=datetime(2025, 1, 15, tzinfo=UTC))
    gap_week = only_score(program, e, r, at=datetime(2025, 3, 20, tzinfo=UTC))
    assert winter == pytest.approx(6 + (1 - 5 / 6), abs=1e-4)
    assert gap_week == pytest.approx(6 + (1 - 4 / 6), abs=1e-4)


def test_timezone_required_allows_the_limit_but_not_beyond(program: Program) -> None:
    assert only_score(program, mentee("ana"), mentor("bo", timezone="+06:00")) == 6.0
    assert only_score(program, mentee("ana"), mentor("bo", timezone="+06:30")) is None


@pytest.mark.parametrize(
    ("mentee_answers", "mentor_answers", "word"),
    [
        ({"languages": ["fr"]}, {}, "language"),
        ({"topics_wanted": ["design"]}, {}, "topics wanted"),
        ({"timezone": "+09:00"}, {}, "hours away"),
    ],
)
def test_required_rules_exclude_and_say_which(
    program: Program, mentee_answers: dict, mentor_answers: dict, word: str
) -> None:
    result = match(round_input(program, [mentee("ana", **mentee_answers), mentor("bo")]))
    assert result.matches == ()
    reasons = {u.id: u.reason for u in result.unmatched}
    assert "No mentor passes the required rules" in reasons["ana"]
    assert word in reasons["ana"]
    assert "1 of 1 mentor was excluded" in reasons["ana"]


def test_history_and_declined_pairs_are_never_matched_again(program: Program) -> None:
    people = [mentee("ana"), mentor("bo"), mentor("cy", years_experience=1)]
    free = match(round_input(program, people))
    assert free.matches[0].mentors == ("bo",)
    for field in ("history", "declined"):
        again = match(round_input(program, people, **{field: frozenset({("ana", "bo")})}))
        assert [m.mentors for m in again.matches] == [("cy",)]
    both = match(
        round_input(
            program, people, history=frozenset({("ana", "bo")}), declined=frozenset({("ana", "cy")})
        )
    )
    assert both.matches == ()
    assert both.unmatched[0].reason == (
        "No mentor is left for you: of 2 mentors, 1 was matched with you before "
        "and 1 declined your request before."
    )


def test_capacity_holds_and_zero_capacity_takes_nobody(program: Program) -> None:
    people = [mentee(f"e{n}") for n in range(5)] + [mentor("bo", capacity=2), mentor("cy", 0)]
    result = match(round_input(program, people))
    assert result.matched == 2
    assert all(m.mentors == ("bo",) for m in result.matches)
    reasons = {u.id: u.reason for u in result.unmatched}
    assert "full" in reasons["e4"]
    assert "no mentee capacity" in reasons["cy"]


def test_nobody_is_matched_with_themself(program: Program) -> None:
    answers = {**mentee("x").answers, **mentor("x").answers}
    both = Candidate("sam", frozenset({Role.MENTOR, Role.MENTEE}), 1, answers)
    alone = match(round_input(program, [both]))
    assert alone.matches == ()
    paired = match(round_input(program, [both, mentee("ana"), mentor("bo")]))
    pairs = {(m.mentees[0], m.mentors[0]) for m in paired.matches}
    assert ("sam", "sam") not in pairs
    assert len(pairs) == 2


def test_unavailable_people_get_their_reason(program: Program) -> None:
    data = round_input(program, [mentee("ana"), mentor("bo")], unavailable={"zoe": "paused"})
    result = match(data)
    assert {u.id: u.reason for u in result.unmatched} == {"zoe": "paused"}
