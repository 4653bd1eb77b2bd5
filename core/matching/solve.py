"""One-to-one and one-to-many matching: candidate arcs, min-cost flow, and a pricing proof.

1. One scoring pass keeps, per mentee, the best `keep` mentors (sorted by points, then mentor
   index) and the number of feasible mentors; the flow starts on the best `k` of them.
2. After each solve, mentor prices v and mentee utilities u (see `flow`) are computed. A pair
   outside the flow can improve the solution only if bonus + points − v_j > u_i ("positive
   reduced cost"). Stored arcs are checked directly; for a mentee whose store is incomplete,
   every unstored pair has points ≤ the lowest stored points, so the row is re-scored only when
   lowest_stored − min(v) > u_i − bonus. Violating pairs (the best `k` per row) are added and
   the flow is solved again. When no pair violates, (u, v) is dual feasible for the whole pool
   and the solution is proven optimal.
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
    keys = np.unique(
        np.concatenate(
            [rows[ok] * n_r + index[ok], cands.mentor_index[col_ok] * n_r + cols[col_ok]]
        )
    )
    arc_e, arc_r = keys // n_r, keys % n_r
    return arc_e, arc_r, scorer.pair_points(arc_e, arc_r)


def _violators(
    rows: np.ndarray, index: np.ndarray | None, reduced: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """The `limit` most violating pairs per row among reduced > 0, as (mentee, mentor) arrays.

    `index` maps the columns of `reduced` to mentors (stored candidates); None: columns are
    mentors already.
    """
    if reduced.shape[1] > limit:
        part = np.argpartition(-reduced, limit - 1, axis=1)[:, :limit]
    else:
        part = np.broadcast_to(np.arange(reduced.shape[1]), reduced.shape)
    best = np.take_along_axis(reduced, part, axis=1)
    cols = part if index is None else np.take_along_axis(index, part, axis=1)
    ok = best > 0
    return np.broadcast_to(rows[:, None], part.shape)[ok], cols[ok]


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
    rounds: list[dict[str, Any]] = []
    solve_time = proof_time = 0.0
    proven = False
    gap = float("inf")
    solution = solve_flow(n_e, capacities, arc_e, arc_r, arc_p)
    for round_no in range(max_rounds):
        t0 = time.perf_counter()
        if round_no:
            solution = solve_flow(n_e, capacities, arc_e, arc_r, arc_p)
        t1 = time.perf_counter()
        solve_time += t1 - t0
        prices = mentor_prices(solution, capacities, arc_e, arc_r, arc_p, bonus)
        u_hat = utilities(solution, prices, bonus)
        found = _price(scorer, cands, prices, u_hat, k, slack, bonus, progress)
        known = arc_e * n_r + arc_r
        fresh = ~np.isin(found.new_e * n_r + found.new_r, known)
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
    timings["solve"] = solve_time
    timings["proof"] = proof_time
    return Assignment(solution, cands, proven, 0.0 if proven else gap, rounds, len(arc_e), timings)


def _best_per_row(
    rows: np.ndarray, cols: np.ndarray, reduced: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` pairs per row, the largest reduced costs first (ties: lower column)."""
    order = np.lexsort((cols, -reduced, rows))
    rows, cols = rows[order], cols[order]
    start = np.searchsorted(rows, rows, side="left")
    keep = np.arange(len(rows)) - start < limit
    return rows[keep], cols[keep]


@dataclass(frozen=True)
class Pricing:
    new_e: np.ndarray
    new_r: np.ndarray
    violations: int  # pairs with positive reduced cost: 0 proves optimality
    gap_points: int  # dual bound − objective, in points
    rescored: int  # mentee rows re-scored against every mentor


def _price(
    scorer: Scorer,
    cands: Candidates,
    prices: np.ndarray,
    u_hat: np.ndarray,
    k: int,
    slack: int,
    bonus: int,
    progress: Progress | None,
) -> Pricing:
    """Find pairs with reduced cost > −slack (best k per mentee) and count those > 0.

    Adding nearly-violating pairs too (slack > 0) anticipates the price changes of the next
    solve and saves rounds; only strictly positive reduced costs block the proof.
    """
    stored_ok = cands.index >= 0
    stored_reduced = np.where(
        stored_ok, cands.points - prices[np.maximum(cands.index, 0)] - u_hat[:, None], -bonus
    )
    floor = int(prices.min()) if len(prices) else 0
    incomplete = cands.lowest >= 0
    rescore = np.nonzero(incomplete & (cands.lowest - floor > u_hat - slack))[0]
    skip = np.ones(len(u_hat), dtype=bool)
    skip[rescore] = False
    stored_best = stored_reduced.max(axis=1, initial=-bonus)
    rows = np.nonzero(skip & (stored_best > -slack))[0]
    found_e, found_r = _violators(rows, cands.index[rows], stored_reduced[rows] + slack, k)
    violations = int((stored_reduced[rows] > 0).sum())
    gap = int(np.maximum(stored_best[rows], 0).sum())
    parts_e, parts_r = [found_e], [found_r]
    done = 0
    wide = np.int32 if 4 * (bonus + scorer.max_points) < np.iinfo(np.int32).max else np.int64
    low = np.iinfo(wide).min // 2
    prices_w = prices.astype(wide)
    for block_rows, block in scorer.blocks(rescore):
        value = np.where(block >= 0, block.astype(wide) - prices_w, low)
        excess = value.max(axis=1).astype(np.int64) - u_hat[block_rows]
        gap += int(np.maximum(excess, 0).sum())
        hot = np.nonzero(excess > -slack)[0]
        if len(hot):
            sub = value[hot]
            threshold = (u_hat[block_rows[hot]] - slack).astype(wide)
            r, c = np.nonzero(sub > threshold[:, None])
            reduced = sub[r, c].astype(np.int64) - u_hat[block_rows[hot[r]]]
            violations += int((reduced > 0).sum())
            e, j = _best_per_row(block_rows[hot[r]], c, reduced, k)
            parts_e.append(e)
            parts_r.append(j)
        done += len(block_rows)
        if progress:
            progress("pricing", done, len(rescore))
    return Pricing(np.concatenate(parts_e), np.concatenate(parts_r), violations, gap, len(rescore))
