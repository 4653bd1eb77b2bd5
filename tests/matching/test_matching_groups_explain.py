"""Group cohorts respect their bounds; explanations and reasons say the right things."""

from __future__ import annotations

import numpy as np
from conftest import AT, TEST_PROGRAM, mentee, mentor, round_input
from test_matching_optimality import random_pool

from core.matching import explain, match, suggest
from core.matching.groups import _reassign, _seed, replace_capacities
from core.matching.scoring import Scorer
from core.programs.program import Program, parse_program


def group_program(low: int, high: int) -> Program:
    return parse_program({**TEST_PROGRAM, "mode": "group", "group": {"min": low, "max": high}}, "g")


def test_cohorts_hold_size_bounds_and_have_a_mentor() -> None:
    program = group_program(3, 5)
    people = random_pool(5, n_mentees=70, n_mentors=20)
    result = match(round_input(program, people))
    assert result.matches
    ids = set()
    for cohort in result.matches:
        assert len(cohort.mentors) >= 1
        assert 3 <= len(cohort.mentors) + len(cohort.mentees) <= 5
        assert not ids & set(cohort.mentees)
        ids |= set(cohort.mentees)
        assert len(cohort.explanation) == len(cohort.mentees)
    groups = result.to_dict()["stats"]["groups"]
    assert groups["score"] >= groups["seed_score"] - 1e-6
    assert groups["upper_bound"] >= groups["score"]
    assert 0 <= result.optimality.gap < 1
    placed = {m for c in result.matches for m in c.mentees}
    everyone = {p.id for p in people if p.is_mentee}
    assert {u.id for u in result.unmatched} >= everyone - placed


def test_pair_explanation_names_the_shared_facts(program: Program) -> None:
    e = mentee("ana", topics_wanted=["career", "leadership", "design"], languages=["es"],
               timezone="+00:00", years_experience=8)  # fmt: skip
    r = mentor("bo", topics_offered=["career", "leadership"], languages=["es", "en"],
               timezone="+01:00")  # fmt: skip
    result = match(round_input(program, [e, r], names={"bo": "Bo"}))
    words = result.matches[0].explanation
    assert words[0] == "Bo offers 2 of the 3 topics you asked for: Career growth, Leadership"
    assert "You both speak Spanish" in words
    assert "1 h apart" in words
    apart = mentor("cy", topics_offered=["career"], languages=["es"], timezone="+05:00",
                   department="sales", years_experience=5)  # fmt: skip
    other = mentee("dee", topics_wanted=["career"], languages=["es"], timezone="+00:00",
                   department="tech", years_experience=5)  # fmt: skip
    words = match(round_input(program, [other, apart])).matches[0].explanation
    assert "You come from different departments" in words, words
    score, same = explain(round_input(program, []), e, r)
    assert score == result.matches[0].score
    assert list(same)[:1] == [
        "bo offers 2 of the 3 topics you asked for: Career growth, Leadership"
    ]


def test_suggestions_are_ranked_and_explained(program: Program) -> None:
    people = [
        mentee("ana", topics_wanted=["career", "python"]),
        mentor("bo", topics_offered=["career"]),
        mentor("cy", topics_offered=["career", "python"]),
        mentor("di", languages=["fr"]),
    ]
    found = suggest(round_input(program, people, at=AT), "ana", limit=3)
    assert [s.mentor_id for s in found] == ["cy", "bo"]
    assert found[0].score > found[1].score
    assert "Cy offers both topics you asked for" in found[0].explanation[0] or (
        "cy offers both topics you asked for" in found[0].explanation[0]
    )


def test_unmatched_mentor_is_told_why(program: Program) -> None:
    people = [mentee("ana"), mentor("bo"), mentor("cy", years_experience=1), mentor("di", 1,
              languages=["fr"])]  # fmt: skip
    reasons = {u.id: u.reason for u in match(round_input(program, people)).unmatched}
    assert "fits them better" in reasons["cy"]
    assert "No mentee in this round passes the required rules" in reasons["di"]


def test_group_cohorts_respect_each_mentors_capacity() -> None:
    program = group_program(2, 6)
    people = random_pool(11, n_mentees=40, n_mentors=12)
    result = match(round_input(program, people))
    capacity = {p.id: p.capacity for p in people if p.is_mentor}
    assert result.matches
    for cohort in result.matches:
        assert len(cohort.mentees) <= capacity[cohort.mentors[0]]


def test_group_search_is_deterministic_and_bounded() -> None:
    program = group_program(3, 5)
    people = random_pool(8, n_mentees=60, n_mentors=18)
    first = match(round_input(program, people))
    assert first.to_json() == match(round_input(program, list(reversed(people)))).to_json()
    groups = first.to_dict()["stats"]["groups"]
    assert groups["score"] >= groups["seed_score"] - 1e-6
    assert groups["upper_bound"] >= groups["score"] - 1e-6
    total = sum(m.score for m in first.matches)
    assert abs(total - groups["score"]) < 1e-3


def test_best_mentor_per_cohort_is_an_optimal_assignment() -> None:
    program = group_program(2, 4)
    scorer = Scorer(round_input(program, random_pool(4, n_mentees=12, n_mentors=6)))
    capped = replace_capacities(scorer, np.minimum(scorer.capacities, 3))
    scores = np.concatenate([b for _, b in capped.blocks()]).astype(np.float64)
    e = int(np.argmax((scores >= 0).sum(axis=1)))  # a mentee with several feasible mentors
    usable = np.nonzero((scores[e] >= 0) & (capped.capacities > 0))[0]
    worst = int(usable[np.argmin(scores[e, usable])])
    best = int(usable[np.argmax(scores[e, usable])])
    assert scores[e, worst] < scores[e, best]
    mentor_of = np.full(scorer.n_mentees, -1)
    assert _reassign(_seed(capped, mentor_of, 1), capped) == 0  # no cohort, nothing to change
    mentor_of[e] = worst
    state = _seed(capped, mentor_of, 1)
    assert _reassign(state, capped) == 1
    assert state.mentor.tolist() == [best]


def test_counts_in_reasons_and_explanations_read_right(program: Program) -> None:
    alone = [mentee("ana"), mentor("di", languages=["fr"])]
    (why,) = [u.reason for u in match(round_input(program, alone)).unmatched if u.id == "ana"]
    assert "1 of 1 mentor was excluded for sharing no language with you" in why
    pair = [mentee("ana", topics_wanted=["career", "python"]),
            mentor("cy", topics_offered=["career", "python"])]  # fmt: skip
    (found,) = suggest(round_input(program, pair, at=AT), "ana", limit=1)
    assert "offers both topics you asked for" in found.explanation[0]
    assert "all 2" not in found.explanation[0]
