"""Fused tables score exactly like the rules, and the pricing bound never skips a violating row."""

from __future__ import annotations

import numpy as np
from conftest import TEST_PROGRAM, round_input
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matching_optimality import random_pool

from core.matching.candidates import collect_candidates, rotation, top_per_row
from core.matching.flow import match_bonus
from core.matching.fused import joint_codes, plan
from core.matching.pricing import RowBound, price
from core.matching.scoring import FORBIDDEN, Scorer
from core.programs.program import parse_program

pools = st.tuples(
    st.integers(0, 10_000), st.integers(1, 25), st.integers(1, 12), st.sampled_from([16, 1 << 22])
)
"""(seed, mentees, mentors, fused table cells): 16 cells splits the rules over several tables."""
PROGRAM = parse_program(TEST_PROGRAM, "test")


def dense(scorer: Scorer) -> np.ndarray:
    return np.concatenate([b for _, b in scorer.blocks()]).astype(np.int64)


def per_rule(scorer: Scorer) -> np.ndarray:
    """Scores summed rule by rule, without fused tables (the reference)."""
    total = np.zeros((scorer.n_mentees, scorer.n_mentors), dtype=np.int64)
    for rule in scorer.rules:
        assert rule.points is not None
        total += rule.points.astype(np.int64)[rule.mentee.codes][:, rule.mentor.codes]
    for e, r in zip(*scorer._forbidden_pairs(), strict=True):
        total[e, r] = FORBIDDEN
    return total


def scorer_for(seed: int, n_e: int, n_r: int, cells: int, history: bool) -> Scorer:
    people = random_pool(seed, n_mentees=n_e, n_mentors=n_r)
    pairs: frozenset[tuple[str, str]] = frozenset()
    if history:
        mentees = [p.id for p in people if p.is_mentee]
        mentors = [p.id for p in people if p.is_mentor]
        pairs = frozenset(zip(mentees[::2], mentors, strict=False))
    return Scorer(round_input(PROGRAM, people, history=pairs), fused_cells=cells)


@settings(max_examples=40, deadline=None)
@given(pools, st.booleans())
def test_fused_blocks_equal_rule_by_rule_sums(pool: tuple, history: bool) -> None:
    scorer = scorer_for(*pool, history=history)
    if not scorer.n_mentors:
        return
    points = dense(scorer)
    reference = per_rule(scorer)
    assert np.array_equal(points, reference)
    for cols, block in scorer.column_blocks():
        assert np.array_equal(block.T, points[:, cols])


def test_plan_fuses_rules_into_tables_that_fit() -> None:
    scorer = scorer_for(3, 40, 15, 1 << 22, history=False)
    groups = plan(scorer.rules, limit=64)
    assert sorted(p for g in groups for p in g) == list(range(len(scorer.rules)))
    assert len(plan(scorer.rules)) == 1  # small pools fuse every rule into one table


def test_joint_codes_round_trip() -> None:
    a, b = np.array([0, 1, 0, 2, 1]), np.array([3, 0, 3, 1, 0])
    joint = joint_codes([a, b], [3, 4])
    assert joint.size == 3
    assert np.array_equal(joint.parts[joint.codes], np.stack([a, b], axis=1))


@settings(max_examples=60, deadline=None)
@given(pools, st.booleans(), st.integers(0, 2**32 - 1))
def test_row_bound_is_exact_or_above(pool: tuple, history: bool, price_seed: int) -> None:
    scorer = scorer_for(*pool, history=history)
    if not scorer.n_mentors:
        return
    prices = np.random.default_rng(price_seed).integers(0, 2 * scorer.max_points, scorer.n_mentors)
    points = dense(scorer)
    exact = np.where(points >= 0, points - prices, np.iinfo(np.int64).min).max(axis=1)
    feasible = (points >= 0).any(axis=1)
    bound = RowBound(scorer).row_max(prices)
    assert np.all(bound[feasible] >= exact[feasible])
    if not history:  # forbidden pairs are the only thing the bound ignores
        assert np.array_equal(bound[feasible], exact[feasible])
        assert np.all(bound[~feasible] < -(1 << 40))


@settings(max_examples=60, deadline=None)
@given(pools, st.booleans(), st.integers(0, 2**32 - 1))
def test_pricing_never_skips_a_positive_reduced_cost(pool: tuple, history: bool, seed: int) -> None:
    scorer = scorer_for(*pool, history=history)
    if not scorer.n_mentors:
        return
    rng = np.random.default_rng(seed)
    bonus = match_bonus(scorer.max_points, scorer.n_mentees, int(scorer.capacities.sum()))
    prices = rng.integers(0, 2 * scorer.max_points, scorer.n_mentors)
    u_hat = rng.integers(-scorer.max_points, scorer.max_points, scorer.n_mentees)
    points = dense(scorer)
    reduced = np.where(points >= 0, points - prices[None, :] - u_hat[:, None], -bonus)
    cands = collect_candidates(scorer, 2, 1, None)
    found = price(scorer, cands, RowBound(scorer), prices, u_hat, 3, 0, bonus)
    assert found.violations == int((reduced > 0).sum())
    assert set(np.nonzero((reduced > 0).any(axis=1))[0]) <= set(found.new_e.tolist())
    assert np.all(reduced[found.new_e, found.new_r] > 0)
    assert found.gap_points == int(np.maximum(reduced.max(axis=1), 0).sum())
    stores = price(scorer, cands, None, prices, u_hat, 3, 0, bonus)
    assert stores.violations == found.violations


def test_ties_rotate_but_points_come_first() -> None:
    block = np.array([[5, 7, 7, 7, -1]], dtype=np.int16)
    index, points = top_per_row(block, 3, start=2)
    assert index.tolist() == [[2, 3, 1]]
    assert points.tolist() == [[7, 7, 7]]
    index, _ = top_per_row(block, 5, start=4)
    assert index.tolist() == [[1, 2, 3, 0, -1]]
    assert 0 <= rotation(12345, 7) < 7
