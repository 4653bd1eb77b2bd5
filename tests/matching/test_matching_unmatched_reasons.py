"""Reasons for not being matched are complete: every cause counted, one per mentor or mentee,
earlier pairs and declined requests included, and right for people enrolled in both roles."""

from __future__ import annotations

import re

from conftest import mentee, mentor, round_input
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.matching import Candidate, match
from core.matching.explain import reason_about
from core.programs.program import Program, Role


def reasons_of(program: Program, people: list[Candidate], **extra: object) -> dict[str, str]:
    return {u.id: u.reason for u in match(round_input(program, people, **extra)).unmatched}


def counted(reason: str) -> int:
    """The counts a breakdown gives ('of 4 mentors, 2 were … and 1 …' or '1 of 1 mentor …')."""
    single = re.search(r": (\d+) of \d+ ment(?:or|ee)s? ", reason)
    if single:
        return int(single.group(1))
    tail = reason.partition(", ")[2]
    return sum(int(n) for n in re.findall(r"(?:^|, | and )(\d+) ", tail))


def test_every_cause_is_counted_once_and_the_counts_add_up(program: Program) -> None:
    people = [
        mentee("ana", languages=["fr"], timezone="+00:00"),
        mentor("bo", languages=["en"]),  # no shared language
        mentor("cy", languages=["fr"], timezone="+09:00"),  # too far away
        mentor("di", languages=["en"], timezone="+09:00"),  # both: the first rule counts
        mentor("ed", languages=["fr"]),  # fits, but was Ana's mentor before
        mentor("fy", languages=["fr"]),  # fits, but declined Ana's request
    ]
    reason = reasons_of(
        program,
        people,
        history=frozenset({("ana", "ed")}),
        declined=frozenset({("ana", "fy")}),
    )["ana"]
    assert reason == (
        "No mentor is left for you: of 5 mentors, 1 was matched with you before, "
        "1 declined your request before, 2 were excluded for sharing no language with you "
        "and 1 was excluded for being too many hours away."
    )
    assert counted(reason) == 5


def test_a_single_cause_keeps_its_short_form(program: Program) -> None:
    reason = reasons_of(
        program,
        [mentee("ana"), mentor("bo"), mentor("cy")],
        history=frozenset({("ana", "bo"), ("ana", "cy")}),
    )["ana"]
    assert reason == "No mentor is left for you: 2 of 2 mentors were matched with you before."


def test_someone_in_both_roles_is_not_counted_as_their_own_mentor(program: Program) -> None:
    answers = {**mentee("x").answers, **mentor("x").answers}
    sam = Candidate("sam", frozenset({Role.MENTOR, Role.MENTEE}), 1, answers)
    alone = reasons_of(program, [sam])["sam"]
    assert alone == (
        "As a mentee: There is no mentor with free capacity in this round other than you. "
        "As a mentor: There is no mentee in this round other than you."
    )
    far = mentor("bo", timezone="+09:00")
    with_one = reasons_of(program, [sam, far])["sam"]
    assert with_one.startswith(
        "As a mentee: No mentor passes the required rules: 1 of 1 mentor was excluded for "
        "being too many hours away."
    )
    assert "As a mentor: There is no mentee in this round other than you." in with_one


def test_a_mentor_no_mentee_fits_is_told_every_cause(program: Program) -> None:
    people = [
        mentee("ana", languages=["fr"]),
        mentee("eve", timezone="+09:00"),
        mentee("gus"),
        mentor("bo"),
        mentor("cy", capacity=2),
    ]
    reasons = reasons_of(program, people, history=frozenset({("gus", "bo")}))
    assert reasons["bo"] == (
        "No mentee is left for you: of 3 mentees, 1 was matched with you before, "
        "1 was excluded by the rule on languages and 1 was excluded by the rule on timezone."
    )
    assert "gus" not in reasons  # Cy took Gus


def test_no_mentee_at_all_is_said_plainly(program: Program) -> None:
    assert reasons_of(program, [mentor("bo")])["bo"] == "There is no mentee in this round."


def test_a_coordinator_reads_the_reasons_about_the_person(program: Program) -> None:
    reason = reasons_of(
        program,
        [mentee("ana"), mentor("bo"), mentor("cy")],
        history=frozenset({("ana", "bo")}),
        declined=frozenset({("ana", "cy")}),
    )["ana"]
    assert reason_about(reason, "Ana \\1 Lee") == (
        "No mentor is left for Ana \\1 Lee: of 2 mentors, 1 was matched with Ana \\1 Lee before "
        "and 1 declined Ana \\1 Lee's request before."
    )


LANGUAGES = st.lists(st.sampled_from(["en", "es", "fr"]), min_size=1, max_size=2, unique=True)
ZONES = st.sampled_from(["+00:00", "+03:00", "+09:00"])


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[Candidate], frozenset, frozenset]:
    n_e, n_r = draw(st.integers(0, 5)), draw(st.integers(0, 4))
    people = [
        mentee(f"e{n}", languages=draw(LANGUAGES), timezone=draw(ZONES)) for n in range(n_e)
    ] + [
        mentor(f"r{n}", capacity=draw(st.integers(0, 2)), languages=draw(LANGUAGES),
               timezone=draw(ZONES))
        for n in range(n_r)
    ]  # fmt: skip
    pairs = st.frozensets(
        st.tuples(st.sampled_from([f"e{n}" for n in range(n_e)] or ["x"]),
                  st.sampled_from([f"r{n}" for n in range(n_r)] or ["y"])),
        max_size=4,
    )  # fmt: skip
    return people, draw(pairs), draw(pairs)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rounds())
def test_everyone_unmatched_has_one_reason_whose_counts_add_up(program: Program, drawn) -> None:
    people, history, declined = drawn
    result = match(round_input(program, people, history=history, declined=declined))
    in_matches = {p for m in result.matches for p in (*m.mentors, *m.mentees)}
    ids = [u.id for u in result.unmatched]
    assert len(ids) == len(set(ids))
    assert set(ids) == {p.id for p in people} - in_matches
    with_places = sum(1 for p in people if p.capacity > 0)
    for unmatched in result.unmatched:
        reason = unmatched.reason
        assert reason.endswith(".")
        assert reason[0].isupper()
        if unmatched.id.startswith("e") and ("passes" in reason or "is left" in reason):
            assert counted(reason) == with_places
