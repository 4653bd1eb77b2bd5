"""One-to-one and one-to-many matching: candidate arcs, min-cost flow, and a pricing proof.

1. One scoring pass keeps, per mentee, the best `keep` mentors (sorted by points, then mentor
   index) and the number of feasible mentors; the flow starts on the best `k` of them.
2. After each solve, mentor prices v and mentee utilities u (see `flow`) are computed. A pair
   outside the flow can improve the solution only if bonus + points − v_j > u_i ("positive
   reduced cost"). `pricing` bounds max_j (points_ij − v_j) for every row exactly from the
   fused tables and re-scores only the rows whose bound exceeds u_i (without tables for every
   rule, it falls back to a bound from the stored candidates). Violating pairs (the best `k`
   per row) are added and the flow is solved again. When no pair violates, (u, v) is dual
   feasible for the whole pool and the solution is proven optimal.
3. Every round reports the gap: Σ_i (max over all pairs of reduced utility − u_i), which is the
   dual bound minus the objective, as a fraction of the total points (an extra match counts as
   the bonus, so an unproven match count shows as a large gap).

Determinism: mentees and mentors are ordered by id, arcs are built in a fixed order, and the
OR-Tools solver is deterministic for identical input, so the same input gives the same result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .candidates import Candidates, collect_candidates
from .flow import FlowSolution, match_bonus, mentor_prices, solve_flow, utilities
from .model import Progress
from .pricing import RowBound, price
from .scoring import Scorer

DEFAULT_K = 12
DEFAULT_KEEP = 48
MAX_ROUNDS = 60
DEFAULT_SLACK = 0.5
"""Also add pairs within half a score point of violating, which saves rounds."""
PER_MENTOR_FACTOR = 8
"""Each mentor's best (factor × capacity) mentees join the first flow."""


@dataclass
class Assignment:
    solution: FlowSolution
    candidates: Candidates
    proven: bool
    gap: float
    rounds: list[dict[str, Any]] = field(default_factory=list)
    arcs: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct keys (a sort and a comparison: cheaper than np.unique's hashing)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys


def _unknown(keys: np.ndarray, known_sorted: np.ndarray) -> np.ndarray:
    """Mask of `keys` not in the sorted array `known_sorted`."""
    if not len(known_sorted):
        return np.ones(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(known_sorted, keys), len(known_sorted) - 1)
    return known_sorted[at] != keys


def _initial_arcs(
    scorer: Scorer, cands: Candidates, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each mentee's best k mentors and each mentor's best mentees, without duplicates."""
    n_r = max(1, scorer.n_mentors)
    index = cands.index[:, :k]
    rows = np.broadcast_to(np.arange(len(index))[:, None], index.shape)
    ok = index >= 0
    cols = np.broadcast_to(np.arange(cands.mentor_index.shape[1]), cands.mentor_index.shape)
    col_ok = cands.mentor_index >= 0
    keys = _distinct(
        np.concatenate(
            [rows[ok] * n_r + index[ok], cands.mentor_index[col_ok] * n_r + cols[col_ok]]
        )
    )
    arc_e, arc_r = keys // n_r, keys % n_r
    return arc_e, arc_r, scorer.pair_points(arc_e, arc_r)


def solve_assignment(
    scorer: Scorer,
    *,
    k: int = DEFAULT_K,
    keep: int = DEFAULT_KEEP,
    max_rounds: int = MAX_ROUNDS,
    slack_score: float = DEFAULT_SLACK,
    per_mentor: int | None = None,
    progress: Progress | None = None,
    candidates: Candidates | None = None,
) -> Assignment:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if per_mentor is None:
        per_mentor = int(np.clip(PER_MENTOR_FACTOR * scorer.capacities.max(initial=1), 4, 64))
    cands = candidates or collect_candidates(scorer, max(k, keep), per_mentor, progress)
    timings["scoring"] = time.perf_counter() - started
    n_e = scorer.n_mentees
    capacities = scorer.capacities
    if n_e == 0 or scorer.n_mentors == 0:
        empty = FlowSolution(
            np.full(n_e, -1, dtype=np.int64),
            np.zeros(n_e, dtype=np.int64),
            np.zeros(scorer.n_mentors, dtype=np.int64),
        )
        return Assignment(empty, cands, True, 0.0, [], 0, timings)
    bonus = match_bonus(scorer.max_points, n_e, int(capacities.sum()))
    n_r = max(1, scorer.n_mentors)
    slack = round(slack_score * scorer.scale)
    arc_e, arc_r, arc_p = _initial_arcs(scorer, cands, k)
    bound = RowBound(scorer) if not scorer.loose else None
    rounds: list[dict[str, Any]] = []
    solve_time = proof_time = 0.0
    proven = False
    gap = float("inf")
    known = np.sort(arc_e * n_r + arc_r)
    for round_no in range(max_rounds):
        t0 = time.perf_counter()
        solution = solve_flow(n_e, capacities, arc_e, arc_r, arc_p)
        t1 = time.perf_counter()
        solve_time += t1 - t0
        if round_no == 0:
            timings["first_solution"] = t1 - started
        prices = mentor_prices(solution, capacities, arc_e, arc_r, arc_p, bonus)
        u_hat = utilities(solution, prices, bonus)
        found = price(scorer, cands, bound, prices, u_hat, k, slack, bonus, progress)
        fresh = _unknown(found.new_e * n_r + found.new_r, known)
        new_e, new_r = found.new_e[fresh], found.new_r[fresh]
        proof_time += time.perf_counter() - t1
        total = int(solution.points_of.sum())
        matched = int((solution.mentor_of >= 0).sum())
        gap = float(found.gap_points) / max(total, 1)
        proven = found.violations == 0
        rounds.append(
            {
                "round": round_no,
                "arcs": len(arc_e),
                "matched": matched,
                "total_score": round(scorer.score(total), 4),
                "gap": round(gap, 9),
                "rescored_rows": found.rescored,
                "violations": found.violations,
                "added_arcs": len(new_e),
            }
        )
        if progress:
            progress("proof", round_no + 1 if not proven else max_rounds, max_rounds)
        if proven:
            break
        new_p = scorer.pair_points(new_e, new_r)
        arc_e = np.concatenate([arc_e, new_e])
        arc_r = np.concatenate([arc_r, new_r])
        arc_p = np.concatenate([arc_p, new_p])
        known = np.sort(np.concatenate([known, new_e * n_r + new_r]))
    timings["solve"] = solve_time
    timings["proof"] = proof_time
    return Assignment(solution, cands, proven, 0.0 if proven else gap, rounds, len(arc_e), timings)
