"""The Lagrangian cohort bound is never below the best cohort value (brute force, tiny cases)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from conftest import round_input
from test_matching_groups_explain import group_program
from test_matching_optimality import random_pool

from core.matching import match
from core.matching.group_bound import cohort_bound


def _cohort_value(scores: np.ndarray, peer: np.ndarray, members: tuple[int, ...], r: int) -> float:
    rows = list(members)
    mentor = float(scores[rows, r].sum())
    if len(rows) < 2:
        return mentor
    sub = peer[np.ix_(rows, rows)]
    return mentor + float(sub.sum() / (len(rows) - 1))


def _best(
    scores: np.ndarray, peer: np.ndarray, cap: np.ndarray, low: int, free: frozenset[int], r: int
) -> float:
    """Optimal total value over mentors r, r+1, … (each leads one cohort or none)."""
    if r == scores.shape[1]:
        return 0.0
    best = _best(scores, peer, cap, low, free, r + 1)
    for s in range(low, int(cap[r]) + 1):
        for members in combinations(sorted(free), s):
            if not np.isfinite(scores[list(members), r]).all():
                continue
            rest = _best(scores, peer, cap, low, free - set(members), r + 1)
            best = max(best, _cohort_value(scores, peer, members, r) + rest)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_bound_is_at_least_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_e, n_r, low = 7, 3, 2
    scores = np.round(rng.uniform(0, 5, (n_e, n_r)), 2)
    scores[rng.random((n_e, n_r)) < 0.25] = -np.inf
    peer = np.round(rng.uniform(0, 4, (n_e, n_e)), 2)
    peer = np.triu(peer, 1) + np.triu(peer, 1).T
    cap = rng.integers(2, 4, n_r)
    optimum = _best(scores, peer, cap, low, frozenset(range(n_e)), 0)
    bound = cohort_bound(scores, peer, cap, low, known=0.0, start=5.0)
    assert bound >= optimum - 1e-9


def test_bound_is_deterministic_and_never_below_the_result() -> None:
    people = random_pool(9, n_mentees=60, n_mentors=16)
    data = round_input(group_program(4, 6), people)
    first, second = match(data), match(data)
    assert first.to_dict() == second.to_dict()
    groups = first.to_dict()["stats"]["groups"]
    assert groups["score"] <= groups["upper_bound"] <= groups["simple_upper_bound"] + 1e-9
    assert groups["score"] >= groups["seed_score"] - 1e-6
    assert groups["score"] >= groups["repaired_seed_score"] - 1e-6
    for cohort in first.matches:
        assert 4 <= len(cohort.mentors) + len(cohort.mentees) <= 6


def test_empty_inputs_bound_zero() -> None:
    empty = np.zeros((0, 2))
    assert cohort_bound(empty, np.zeros((0, 0)), np.array([3, 3]), 2, 0.0, 0.0) == 0.0


def test_mentor_below_the_cohort_minimum_leads_nobody() -> None:
    people = random_pool(9, n_mentees=60, n_mentors=16)
    data = round_input(group_program(4, 6), people)
    capacity = {p.id: p.capacity for p in people if not p.is_mentee}
    result = match(data)
    for cohort in result.matches:
        (lead,) = cohort.mentors
        assert 3 <= len(cohort.mentees) <= capacity[lead]
